package dev.mgiad.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes metrics.csv, metrics.json and curves.svg into the run directory (atomically). The trainer writes them
 * after the epoch's checkpoint commits, so they never list an epoch the checkpoint lacks.
 */
public final class MetricsLog {
    private final Path dir;
    private final List<EpochMetrics> rows = new ArrayList<>();
    private final Map<String, Object> run;

    public MetricsLog(Path dir, Map<String, Object> run, List<EpochMetrics> previous) {
        this.dir = dir;
        this.run = run;
        rows.addAll(previous);
    }

    public List<EpochMetrics> rows() { return List.copyOf(rows); }

    /** Adds an epoch's row and rewrites the files. */
    public void add(EpochMetrics m) throws IOException {
        rows.add(m);
        write();
    }

    /** Adds an epoch's row without writing (the files follow with {@link #write}, once the checkpoint holds it). */
    public void append(EpochMetrics m) { rows.add(m); }

    /** Rewrites the three files from the rows so far. */
    public void write() throws IOException {
        boolean val = rows.stream().anyMatch(EpochMetrics::hasValidation);
        StringBuilder csv = new StringBuilder(EpochMetrics.CSV_HEADER).append(val ? EpochMetrics.CSV_VAL_COLUMNS : "").append('\n');
        for (EpochMetrics r : rows) csv.append(r.csv()).append('\n');
        AtomicFiles.writeString(dir.resolve("metrics.csv"), csv.toString());
        Map<String, Object> json = new java.util.LinkedHashMap<>(run);
        json.put("epochs", rows.stream().map(EpochMetrics::json).toList());
        AtomicFiles.writeString(dir.resolve("metrics.json"), Json.write(json) + "\n");
        AtomicFiles.writeString(dir.resolve("curves.svg"), svg(rows, String.valueOf(run.getOrDefault("title", "training"))));
    }

    /** Two panels, loss and accuracy per epoch, train and test (and validation when held out); plain SVG any browser opens. */
    static String svg(List<EpochMetrics> rows, String title) {
        int w = 900, h = 380, pw = 380, ph = 260, top = 60, left1 = 60, left2 = 500;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"16\">%s</text>%n", left1, escape(title)));
        double maxLoss = 0;
        for (EpochMetrics r : rows) {
            maxLoss = Math.max(maxLoss, Math.max(finite(r.trainLoss()), Math.max(finite(r.testLoss()), finite(r.valLoss()))));
        }
        boolean val = rows.stream().anyMatch(EpochMetrics::hasValidation);
        if (maxLoss <= 0) maxLoss = 1;
        panel(s, rows, left1, top, pw, ph, "loss", 0, maxLoss * 1.05, true);
        panel(s, rows, left2, top, pw, ph, "accuracy (%)", 0, 100, false);
        s.append(String.format(Locale.ROOT, "<g transform=\"translate(%d,%d)\"><line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"30\" y=\"4\">train</text>"
                + "<line x1=\"90\" y1=\"0\" x2=\"114\" y2=\"0\" stroke=\"#d62728\" stroke-width=\"2\"/><text x=\"120\" y=\"4\">test</text>%s</g>%n",
                left1, h - 12, val ? "<line x1=\"170\" y1=\"0\" x2=\"194\" y2=\"0\" stroke=\"" + SERIES_COLOR[2]
                        + "\" stroke-width=\"2\" stroke-dasharray=\"6,3\"/><text x=\"200\" y=\"4\">validation</text>" : ""));
        s.append("</svg>\n");
        return s.toString();
    }

    /** train, test, validation. */
    private static final String[] SERIES_COLOR = {"#1f77b4", "#d62728", "#2ca02c"};

    private static double finite(double v) { return Double.isFinite(v) ? v : 0; }

    private static void panel(StringBuilder s, List<EpochMetrics> rows, int x0, int y0, int pw, int ph, String label,
                              double lo, double hi, boolean loss) {
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", x0, y0, pw, ph));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", x0, y0 - 8, label));
        int n = Math.max(1, rows.isEmpty() ? 1 : rows.get(rows.size() - 1).epoch());
        for (int t = 0; t <= 4; t++) {
            double v = lo + (hi - lo) * t / 4;
            double y = y0 + ph - ph * t / 4.0;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text><line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                    x0 - 4, y + 4, loss ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.0f", v), x0, y, x0 + pw, y));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch</text>%n", x0 + pw / 2, y0 + ph + 30));
        for (int e = 1; e <= n; e += Math.max(1, n / 8)) {
            double x = x0 + pw * (e - 0.0) / n;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x, y0 + ph + 14, e));
        }
        for (int series = 0; series < 3; series++) {
            StringBuilder pts = new StringBuilder();
            for (EpochMetrics r : rows) {
                double v = switch (series) {
                    case 0 -> loss ? r.trainLoss() : 100 * r.trainAccuracy();
                    case 1 -> loss ? r.testLoss() : 100 * r.testAccuracy();
                    default -> loss ? r.valLoss() : 100 * r.valAccuracy();
                };
                if (!Double.isFinite(v)) continue;
                double x = x0 + pw * (double) r.epoch() / n;
                double y = y0 + ph - ph * (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, SERIES_COLOR[series]));
            }
            if (pts.isEmpty()) continue; // no validation figures in this run
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>%n",
                    SERIES_COLOR[series], series == 2 ? " stroke-dasharray=\"6,3\"" : "", pts.toString().trim()));
        }
    }

    private static String escape(String t) { return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }
}
