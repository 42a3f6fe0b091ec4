package dev.mgiad.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The study's figure, after the paper's Fig. 7: final test accuracy over the number of weights on a log axis, one
 * marker shape and colour per model family, each configuration a labelled point at the mean over its seeds, with a
 * bar from the worst to the best seed when there are several. Plain SVG in the style of the training curves
 * ({@code curves.svg}): white background, grey frame, light grid, sans-serif.
 */
public final class StudyFigure {
    private StudyFigure() { }

    /** Colour and marker of the families the paper plots, in its order; other families take the fallbacks. */
    private static final Map<String, String[]> FAMILY = new LinkedHashMap<>();
    static {
        FAMILY.put("ResNet", new String[]{"#1f77b4", "circle"});
        FAMILY.put("MgNet", new String[]{"#ff7f0e", "square"});
        FAMILY.put("MGIC", new String[]{"#2ca02c", "triangle"});
        FAMILY.put("MGiaD", new String[]{"#d62728", "diamond"});
    }
    private static final String[][] FALLBACK = {{"#9467bd", "cross"}, {"#8c564b", "triangle-down"}, {"#17becf", "circle"}};

    private static final int W = 940, H = 570, LEFT = 80, TOP = 64, PW = 640, PH = 440;
    private static final double CHAR_W = 6.4, LABEL_H = 12;

    public static String svg(String study, List<StudyResults.Summary> all) {
        List<StudyResults.Summary> pts = all.stream().filter(s -> s.n() > 0 && s.weights() > 0).toList();
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"26\" font-size=\"16\">%s: test accuracy over weights</text>%n", LEFT, esc(study)));
        int maxSeeds = pts.stream().mapToInt(StudyResults.Summary::n).max().orElse(0);
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"46\" fill=\"#555\">%s</text>%n", LEFT, maxSeeds > 1
                ? "final test accuracy, mean over seeds; bars span the worst and the best seed"
                : "final test accuracy of each configuration"));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP, PW, PH));
        if (pts.isEmpty()) {
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">no finished runs yet</text>%n",
                    LEFT + PW / 2, TOP + PH / 2));
            return s.append("</svg>\n").toString();
        }
        // axes: log10 of the weights, padded by a tenth of a decade (a whole decade around a single point)
        double lx0 = Double.MAX_VALUE, lx1 = -Double.MAX_VALUE, y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
        for (StudyResults.Summary p : pts) {
            lx0 = Math.min(lx0, Math.log10(p.weights()));
            lx1 = Math.max(lx1, Math.log10(p.weights()));
            y0 = Math.min(y0, 100 * (p.n() > 1 ? p.finalMin() : p.finalMean()));
            y1 = Math.max(y1, 100 * (p.n() > 1 ? p.finalMax() : p.finalMean()));
        }
        double pad = Math.max(0.12, (lx1 - lx0) * 0.06);
        if (lx1 - lx0 < 0.3) pad = 0.5;
        lx0 -= pad;
        lx1 += pad * 1.6; // room for the labels right of the last points
        double step = niceStep(Math.max(y1 - y0, 0.5) / 6);
        double ylo = Math.floor((y0 - step * 0.5) / step) * step, yhi = Math.ceil((y1 + step * 0.5) / step) * step;
        ylo = Math.max(0, ylo);
        yhi = Math.min(100, Math.max(yhi, ylo + step));
        final double fx0 = lx0, fx1 = lx1, fy0 = ylo, fy1 = yhi;
        java.util.function.DoubleUnaryOperator X = w -> LEFT + PW * (Math.log10(w) - fx0) / (fx1 - fx0);
        java.util.function.DoubleUnaryOperator Y = a -> TOP + PH - PH * (a - fy0) / (fy1 - fy0);

        for (double v = ylo; v <= yhi + step * 1e-6; v += step) {
            double y = Y.applyAsDouble(v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT, y, LEFT + PW, y, LEFT - 6, y + 4, fmt(v, step)));
        }
        for (int dec = (int) Math.floor(lx0); dec <= (int) Math.ceil(lx1); dec++) {
            for (int m : new int[]{1, 2, 5}) {
                double w = m * Math.pow(10, dec);
                double lw = Math.log10(w);
                if (lw < lx0 || lw > lx1) continue;
                double x = X.applyAsDouble(w);
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                        x, TOP, x, TOP + PH, m == 1 ? "#ddd" : "#f2f2f2", x, TOP + PH + 16, weightsLabel(w)));
            }
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">weights (log scale)</text>%n", LEFT + PW / 2, TOP + PH + 38));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">test accuracy (%%)</text>%n",
                LEFT - 50, TOP + PH / 2));

        Map<String, String[]> style = new LinkedHashMap<>();
        for (StudyResults.Summary p : pts) {
            style.computeIfAbsent(p.family(), f -> FAMILY.containsKey(f) ? FAMILY.get(f) : FALLBACK[style.size() % FALLBACK.length]);
        }
        List<double[]> taken = new ArrayList<>(); // boxes of markers and labels placed so far: x0, y0, x1, y1
        for (StudyResults.Summary p : pts) {
            double x = X.applyAsDouble(p.weights()), y = Y.applyAsDouble(100 * p.finalMean());
            taken.add(new double[]{x - 6, y - 6, x + 6, y + 6});
        }
        for (StudyResults.Summary p : pts) {
            String[] st = style.get(p.family());
            double x = X.applyAsDouble(p.weights()), y = Y.applyAsDouble(100 * p.finalMean());
            if (p.n() > 1) {
                double a = Y.applyAsDouble(100 * p.finalMax()), b = Y.applyAsDouble(100 * p.finalMin());
                s.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"%s\" stroke-width=\"1.2\" fill=\"none\"/>%n",
                        x, a, b, x - 4, a, x + 4, x - 4, b, x + 4, st[0]));
            }
            s.append(marker(st[1], x, y, st[0])).append('\n');
        }
        for (StudyResults.Summary p : pts) {
            double x = X.applyAsDouble(p.weights()), y = Y.applyAsDouble(100 * p.finalMean());
            String label = p.config();
            double lw = label.length() * CHAR_W;
            double[][] candidates = {{x + 9, y + 4}, {x - 9 - lw, y + 4}, {x - lw / 2, y - 10}, {x - lw / 2, y + 18},
                    {x + 9, y - 9}, {x + 9, y + 17}, {x - 9 - lw, y - 9}, {x - 9 - lw, y + 17}, {x + 9, y - 22}, {x + 9, y + 30},
                    {x - lw / 2, y - 24}, {x - lw / 2, y + 32}};
            double[] best = null, bestBox = null;
            int bestHits = Integer.MAX_VALUE;
            for (double[] c : candidates) {
                double[] box = {c[0] - 1, c[1] - LABEL_H + 2, c[0] + lw + 1, c[1] + 3};
                if (box[0] < LEFT + 2 || box[2] > LEFT + PW - 2 || box[1] < TOP + 2 || box[3] > TOP + PH - 2) continue;
                int hits = 0;
                for (double[] t : taken) if (box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3]) hits++;
                if (hits < bestHits) {
                    bestHits = hits;
                    best = c;
                    bestBox = box;
                    if (hits == 0) break;
                }
            }
            if (best == null) {
                best = candidates[0];
                bestBox = new double[]{best[0], best[1] - LABEL_H, best[0] + lw, best[1]};
            }
            taken.add(bestBox);
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#333\">%s</text>%n", best[0], best[1], esc(label)));
        }
        // legend, right of the plot
        int lx = LEFT + PW + 24, ly = TOP + 10;
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">family</text>%n", lx, ly));
        int i = 0;
        for (var e : style.entrySet()) {
            double yy = ly + 22 + 22 * i++;
            s.append(marker(e.getValue()[1], lx + 8, yy - 4, e.getValue()[0]));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\">%s</text>%n", lx + 22, yy, esc(e.getKey())));
        }
        return s.append("</svg>\n").toString();
    }

    static String marker(String shape, double x, double y, String color) {
        String fill = String.format(Locale.ROOT, " fill=\"%s\" fill-opacity=\"0.85\" stroke=\"%s\"", color, color);
        return switch (shape) {
            case "square" -> String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\"%s/>", x - 5, y - 5, fill);
            case "triangle" -> String.format(Locale.ROOT, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"%s/>", x, y - 6.5, x + 6, y + 4.5, x - 6, y + 4.5, fill);
            case "triangle-down" -> String.format(Locale.ROOT, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"%s/>", x, y + 6.5, x + 6, y - 4.5, x - 6, y - 4.5, fill);
            case "diamond" -> String.format(Locale.ROOT, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\"%s/>", x, y - 7, x + 6, y, x, y + 7, x - 6, y, fill);
            case "cross" -> String.format(Locale.ROOT, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" stroke=\"%s\" stroke-width=\"2.5\"/>",
                    x - 5, y - 5, x + 5, y + 5, x - 5, y + 5, x + 5, y - 5, color);
            default -> String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\"%s/>", x, y, fill);
        };
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 5, 10}) if (m * p >= raw) return m * p;
        return 10 * p;
    }

    private static String fmt(double v, double step) {
        return step >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%." + (int) Math.ceil(-Math.log10(step)) + "f", v);
    }

    /** 500, 2k, 50k, 1M, 1.5M. */
    static String weightsLabel(double w) {
        if (w >= 1e6) return trim(w / 1e6) + "M";
        if (w >= 1e3) return trim(w / 1e3) + "k";
        return trim(w);
    }

    private static String trim(double v) {
        return Math.abs(v - Math.rint(v)) < 1e-9 ? String.valueOf((long) Math.rint(v)) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String t) { return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }
}
