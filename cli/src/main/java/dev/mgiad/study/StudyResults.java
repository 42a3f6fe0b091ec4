package dev.mgiad.study;

import dev.mgiad.train.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The study's results: one row per run (weights, MACs, final and best test accuracy, epochs, time, images/s) and
 * one row per configuration (the same, as mean and spread over its finished seeds). Written as
 * {@code results.csv}, {@code summary.csv}, {@code results.md} and the figure {@code accuracy-vs-weights.svg}
 * into the study folder, atomically.
 */
public final class StudyResults {

    /**
     * One run's row.
     *
     * @param status finished, partial (epochs done &lt; planned), not started, or the problem reading it
     */
    public record Row(StudyRun run, String status, RunRecord record) {
        public boolean finished() { return status.equals("finished"); }

        public double finalAccuracy() { return record.last() == null ? Double.NaN : record.last().testAccuracy(); }
    }

    /**
     * One configuration over its finished seeds.
     *
     * @param n          finished seeds
     * @param seeds      all seeds of the configuration
     * @param finalMean  mean final test accuracy (fraction)
     * @param finalSd    sample standard deviation over seeds (NaN for one seed)
     * @param finalMin   smallest final test accuracy
     * @param finalMax   largest
     * @param bestMean   mean of the best per-epoch test accuracy
     */
    public record Summary(String config, String family, long weights, long macs, int epochs, int n, int seeds,
                          double finalMean, double finalSd, double finalMin, double finalMax, double bestMean,
                          double secondsMean, double imagesPerSecondMean) { }

    private final String study;
    private final List<Row> rows;

    public StudyResults(String study, List<StudyRun> runs) {
        this.study = study;
        List<Row> r = new ArrayList<>();
        for (StudyRun run : runs) {
            StudyRun.State st = run.state();
            String status = switch (st.status()) {
                case FINISHED -> "finished";
                case PARTIAL -> "partial";
                case NEW -> "not started";
                case CONFLICT -> "problem: " + st.problem();
            };
            r.add(new Row(run, status, st.record()));
        }
        this.rows = List.copyOf(r);
    }

    public List<Row> rows() { return rows; }

    public List<Summary> summaries() {
        Map<String, List<Row>> byConfig = new LinkedHashMap<>();
        for (Row r : rows) byConfig.computeIfAbsent(r.run().config().name(), k -> new ArrayList<>()).add(r);
        List<Summary> out = new ArrayList<>();
        for (var e : byConfig.entrySet()) {
            StudyRun first = e.getValue().getFirst().run();
            List<Row> done = e.getValue().stream().filter(Row::finished).toList();
            double[] acc = done.stream().mapToDouble(Row::finalAccuracy).toArray();
            out.add(new Summary(e.getKey(), first.family(), first.weights(), first.macs(), first.epochs(), done.size(),
                    e.getValue().size(), mean(acc), sd(acc), min(acc), max(acc),
                    mean(done.stream().mapToDouble(r -> r.record().bestTestAccuracy()).toArray()),
                    mean(done.stream().mapToDouble(r -> r.record().seconds()).toArray()),
                    mean(done.stream().mapToDouble(r -> r.record().imagesPerSecond()).toArray())));
        }
        return out;
    }

    /** Writes the tables and the figure; returns the files written. */
    public List<Path> write(Path dir) throws IOException {
        List<Summary> sums = summaries();
        Path runsCsv = dir.resolve("results.csv"), sumCsv = dir.resolve("summary.csv"), md = dir.resolve("results.md"),
                svg = dir.resolve("accuracy-vs-weights.svg");
        AtomicFiles.writeString(runsCsv, runsCsv());
        AtomicFiles.writeString(sumCsv, summaryCsv(sums));
        AtomicFiles.writeString(md, markdown(sums));
        AtomicFiles.writeString(svg, StudyFigure.svg(study, sums));
        return List.of(md, runsCsv, sumCsv, svg);
    }

    String runsCsv() {
        StringBuilder b = new StringBuilder("config,family,seed,status,weights,macs,epochs_done,epochs,final_test_accuracy,"
                + "best_test_accuracy,seconds,images_per_second,folder\n");
        for (Row r : rows) {
            StudyRun run = r.run();
            b.append(String.format(Locale.ROOT, "%s,%s,%d,%s,%d,%d,%d,%d,%s,%s,%s,%s,%s%n", run.config().name(), run.family(),
                    run.seed(), csv(r.status()), run.weights(), run.macs(), r.record().epochsDone(), run.epochs(),
                    num(r.finalAccuracy(), 6), num(r.record().bestTestAccuracy(), 6), num(r.record().seconds(), 1),
                    num(r.record().imagesPerSecond(), 1), csv(run.name())));
        }
        return b.toString();
    }

    static String summaryCsv(List<Summary> sums) {
        StringBuilder b = new StringBuilder("config,family,weights,macs,epochs,seeds_finished,seeds,final_test_accuracy_mean,"
                + "final_test_accuracy_sd,final_test_accuracy_min,final_test_accuracy_max,best_test_accuracy_mean,seconds_mean,"
                + "images_per_second_mean\n");
        for (Summary s : sums) {
            b.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%s,%s,%s,%s,%s,%s,%s%n", s.config(), s.family(), s.weights(),
                    s.macs(), s.epochs(), s.n(), s.seeds(), num(s.finalMean(), 6), num(s.finalSd(), 6), num(s.finalMin(), 6),
                    num(s.finalMax(), 6), num(s.bestMean(), 6), num(s.secondsMean(), 1), num(s.imagesPerSecondMean(), 1)));
        }
        return b.toString();
    }

    String markdown(List<Summary> sums) {
        StringBuilder b = new StringBuilder("# Study " + study + "\n\n");
        b.append("Final test accuracy is the last epoch's; ± is the sample standard deviation over the finished seeds, "
                + "[min, max] their range. Time is the wall-clock time of all epochs of a run (training and evaluation), "
                + "images/s the median training throughput of its epochs.\n\n");
        b.append("| configuration | family | weights | MACs/image | epochs | seeds | final test acc. (%) | [min, max] | best test acc. (%) | time/run (s) | images/s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|\n");
        for (Summary s : sums) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %,d | %.1f M | %d | %d/%d | %s | %s | %s | %s | %s |%n", s.config(),
                    s.family(), s.weights(), s.macs() / 1e6, s.epochs(), s.n(), s.seeds(),
                    s.n() == 0 ? "-" : pct(s.finalMean()) + (s.n() > 1 ? " ± " + pct(s.finalSd()) : ""),
                    s.n() > 1 ? "[" + pct(s.finalMin()) + ", " + pct(s.finalMax()) + "]" : "",
                    s.n() == 0 ? "-" : pct(s.bestMean()), s.n() == 0 ? "-" : num(s.secondsMean(), 0),
                    s.n() == 0 ? "-" : num(s.imagesPerSecondMean(), 0)));
        }
        b.append("\n## Runs\n\n| run | status | epochs | final test acc. (%) | best test acc. (%) | time (s) | images/s |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            boolean any = r.record().last() != null;
            b.append(String.format(Locale.ROOT, "| %s | %s | %d/%d | %s | %s | %s | %s |%n", r.run().name(), r.status().replace("|", "/"),
                    r.record().epochsDone(), r.run().epochs(), any ? pct(r.finalAccuracy()) : "-",
                    any ? pct(r.record().bestTestAccuracy()) : "-", any ? num(r.record().seconds(), 0) : "-",
                    any ? num(r.record().imagesPerSecond(), 0) : "-"));
        }
        return b.toString();
    }

    private static String pct(double v) { return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", 100 * v) : "-"; }

    private static String num(double v, int digits) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "";
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"").replace("\n", " ") + "\"" : s;
    }

    static double mean(double[] v) {
        if (v.length == 0) return Double.NaN;
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double sd(double[] v) {
        if (v.length < 2) return Double.NaN;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }

    private static double min(double[] v) { return java.util.Arrays.stream(v).min().orElse(Double.NaN); }

    private static double max(double[] v) { return java.util.Arrays.stream(v).max().orElse(Double.NaN); }
}
