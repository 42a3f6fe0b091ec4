package dev.mgiad.engine.bench;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Times convolutions forward and forward+backward (input and weight gradients) on any backend, for the problems
 * of {@code shared/bench/shapes.txt}. Like the PyTorch peer script, all problems are swept several rounds,
 * interleaved, and the median is reported, so slow drifts of a noisy machine hit every row alike. Every problem's
 * results are checked ({@link ConvSpotCheck}) before it is timed, and the machine's FMA peak is probed before and
 * after the sweep ({@link FmaPeak}) so that each row can be read as a share of what the machine gave at the time.
 */
public final class ConvBenchmark {

    /**
     * One benchmark problem: kind label, channels, input size, group size, kernel, stride; or a problem given
     * whole ({@code shape}, e.g. parsed from a descriptor), which keeps its own batch and shape.
     */
    public record Problem(String kind, int channels, int size, int groupSize, int k, int stride, ConvParams shape) {
        public Problem(String kind, int channels, int size, int groupSize, int k, int stride) {
            this(kind, channels, size, groupSize, k, stride, null);
        }

        /** A user-given problem: labelled by its descriptor, timed at its own batch. */
        public static Problem of(ConvParams p) {
            return new Problem("conv" + p.k() + "x" + p.k(), p.cin(), p.h(), p.cinPerGroup(), p.k(), p.stride(), p);
        }

        public ConvParams params(int batch) {
            return shape != null ? shape : ConvParams.of(batch, channels, size, size, channels, k, stride, channels / groupSize);
        }

        public String label() {
            if (shape != null) return shape.descriptor();
            String g = groupSize == channels ? "dense" : groupSize == 1 ? "dw" : "gs=" + groupSize;
            return kind + " C=" + channels + " " + size + "x" + size + (stride > 1 ? " s" + stride : "") + " " + g;
        }
    }

    /**
     * Result row: medians in milliseconds; {@code peakGflops} the FMA peak probed around the sweep (0 when not
     * probed).
     */
    public record Row(Problem problem, ConvParams params, double forwardMs, double trainMs, double peakGflops) {
        public double forwardGflops() { return 2.0 * params.macs() / forwardMs / 1e6; }
        public double trainGflops() { return 6.0 * params.macs() / trainMs / 1e6; }

        /** Forward + backward GFLOP/s as a share of the probed FMA peak (NaN when not probed). */
        public double trainShareOfPeak() { return peakGflops > 0 ? trainGflops() / peakGflops : Double.NaN; }

        /**
         * The bytes forward + backward must move at least: each of the three operators reads its two operands and
         * writes its result once (x, w, y; dy, w, dx; x, dy, dw), i.e. 3 x (|x| + |y| + |w|) floats.
         */
        public long trainBytes() {
            ConvParams p = params;
            long x = (long) p.n() * p.cin() * p.h() * p.w(), y = (long) p.n() * p.cout() * p.oh() * p.ow();
            return 4L * 3 * (x + y + p.weightElements());
        }

        public double trainGBps() { return trainBytes() / trainMs / 1e6; }

        /** Ordered fields for a results file (the key fields match the PyTorch peer's bench_conv.py JSON). */
        public java.util.Map<String, Object> fields() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("problem", problem.label());
            m.put("descriptor", params.descriptor());
            m.put("kind", "conv");
            m.put("k", (long) params.k());
            m.put("C", (long) params.cin());
            m.put("C_out", (long) params.cout());
            m.put("HW", (long) params.h());
            m.put("stride", (long) params.stride());
            m.put("gs", (long) params.cinPerGroup());
            m.put("batch", (long) params.n());
            m.put("fwd_ms", forwardMs);
            m.put("fwdbwd_ms", trainMs);
            m.put("fwd_gflops", forwardGflops());
            m.put("fwdbwd_gflops", trainGflops());
            m.put("flops_fwdbwd", 6.0 * params.macs());
            m.put("peak_gflops", peakGflops > 0 ? peakGflops : Double.NaN);
            m.put("fwdbwd_pct_peak", 100 * trainShareOfPeak());
            m.put("fwdbwd_bytes", trainBytes());
            m.put("fwdbwd_gbps", trainGBps());
            return m;
        }
    }

    /** The problems of the peer benchmark (shared/bench/shapes.txt). */
    public static List<Problem> paperProblems() {
        List<Problem> l = new ArrayList<>();
        int[][] levels = {{64, 32}, {128, 16}, {256, 8}, {256, 4}};
        for (int[] lv : levels) {
            for (int gs : new int[]{lv[0], 64, 16, 8, 4, 1}) {
                if (gs >= lv[0] && gs != lv[0]) continue;
                if (gs == lv[0] && l.stream().anyMatch(q -> q.channels() == lv[0] && q.size() == lv[1] && q.groupSize() == gs)) continue;
                l.add(new Problem("conv3x3", lv[0], lv[1], gs, 3, 1));
            }
        }
        l.add(new Problem("conv1x1", 64, 32, 64, 1, 1));
        l.add(new Problem("conv1x1", 64, 32, 4, 1, 1));
        l.add(new Problem("conv3x3", 64, 32, 1, 3, 2));
        return l;
    }

    private final Backend backend;
    private final int batch;
    private final int peakThreads;

    /** {@code peakThreads}: threads of the FMA-peak probe (the CPU backend's threads), or 0 for no probe. */
    public ConvBenchmark(Backend backend, int batch, int peakThreads) {
        this.backend = backend;
        this.batch = batch;
        this.peakThreads = peakThreads;
    }

    public ConvBenchmark(Backend backend, int batch) { this(backend, batch, 0); }

    private final class Case {
        final Problem problem;
        final ConvParams p;
        final Tensor x, w, y, dx, dw;

        Case(Problem problem) {
            this.problem = problem;
            this.p = problem.params(batch);
            Random r = new Random(1);
            x = backend.allocate(Shape.of(p.n(), p.cin(), p.h(), p.w()), Layout.BATCH_BLOCKED);
            w = backend.allocate(Shape.of(p.cout(), p.cinPerGroup(), p.k(), p.k()), Layout.PLAIN);
            y = backend.allocate(Shape.of(p.n(), p.cout(), p.oh(), p.ow()), Layout.BATCH_BLOCKED);
            dx = backend.allocate(x.shape(), Layout.BATCH_BLOCKED);
            dw = backend.allocate(w.shape(), Layout.PLAIN);
            backend.upload(randoms(r, (int) x.shape().elements()), x);
            backend.upload(randoms(r, (int) w.shape().elements()), w);
            backend.upload(randoms(r, (int) y.shape().elements()), y);
        }

        /** One forward + backward, then sampled elements of all three results against the definition. */
        void check() {
            backend.convForward(p, x, w, y, null, 1f);
            backend.convBackwardData(p, y, w, dx, 1f, false);
            backend.convBackwardWeights(p, x, y, dw, 1f, false);
            backend.sync();
            float[] yd = backend.download(y);
            ConvSpotCheck.check(problem.label(), p, backend.download(x), backend.download(w), yd, yd,
                    backend.download(dx), backend.download(dw));
        }

        long forward() {
            long t0 = System.nanoTime();
            backend.convForward(p, x, w, y, null, 1f);
            backend.sync();
            return System.nanoTime() - t0;
        }

        long train() {
            long t0 = System.nanoTime();
            backend.convForward(p, x, w, y, null, 1f);
            backend.convBackwardData(p, y, w, dx, 1f, false);
            backend.convBackwardWeights(p, x, y, dw, 1f, false);
            backend.sync();
            return System.nanoTime() - t0;
        }
    }

    private static float[] randoms(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /**
     * Runs every problem: per round, each problem gets timed calls for about {@code budgetSeconds}; reports medians.
     */
    public List<Row> run(List<Problem> problems, int rounds, double budgetSeconds) {
        List<Row> rows = new ArrayList<>();
        List<long[]> fwd = new ArrayList<>(), trn = new ArrayList<>();
        List<Case> cases = new ArrayList<>();
        for (Problem pr : problems) {
            Case c = new Case(pr);
            c.check();
            c.train(); c.train(); // warm-up: JIT and caches
            cases.add(c);
            fwd.add(new long[0]);
            trn.add(new long[0]);
        }
        double peakBefore = peakThreads > 0 ? FmaPeak.measure(peakThreads, 5) : 0;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                fwd.set(i, append(fwd.get(i), timeFor(c::forward, budgetSeconds / 3)));
                trn.set(i, append(trn.get(i), timeFor(c::train, budgetSeconds * 2 / 3)));
            }
        }
        double peak = peakThreads > 0 ? (peakBefore + FmaPeak.measure(peakThreads, 5)) / 2 : 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            rows.add(new Row(c.problem, c.p, median(fwd.get(i)) / 1e6, median(trn.get(i)) / 1e6, peak));
        }
        return rows;
    }

    private static long[] timeFor(java.util.function.LongSupplier call, double seconds) {
        List<Long> t = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do t.add(call.getAsLong()); while (System.nanoTime() < end || t.size() < 2);
        return t.stream().mapToLong(Long::longValue).toArray();
    }

    private static long[] append(long[] a, long[] b) {
        long[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static double median(long[] a) {
        long[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    /**
     * A table with per row: ms forward, ms forward+backward, GFLOP/s of both, the forward+backward share of the
     * probed FMA peak, the compulsory bytes of forward+backward and their rate, and the cost ratio to dense vs ideal.
     */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        if (!rows.isEmpty() && rows.get(0).peakGflops() > 0) {
            sb.append(String.format("# FMA peak probed around the sweep (Vector API, same threads): %.0f GFLOP/s%n", rows.get(0).peakGflops()));
        }
        sb.append(String.format("%-30s %9s %9s %9s %9s %7s %9s %7s %9s %9s%n", "problem (batch " + (rows.isEmpty() ? 0 : rows.get(0).params().n()) + ")",
                "fwd ms", "fwd GF/s", "f+b ms", "f+b GF/s", "%peak", "f+b MB", "GB/s", "vs dense", "ideal"));
        for (Row r : rows) {
            Row dense = rows.stream().filter(d -> d.problem().kind().equals(r.problem().kind())
                    && d.problem().channels() == r.problem().channels() && d.problem().size() == r.problem().size()
                    && d.problem().stride() == r.problem().stride()
                    && d.problem().groupSize() == d.problem().channels()).findFirst().orElse(null);
            String ratio = dense == null ? "-" : String.format("%.3f", r.trainMs() / dense.trainMs());
            String ideal = dense == null ? "-" : String.format("%.3f", (double) r.problem().groupSize() / r.problem().channels());
            String share = Double.isNaN(r.trainShareOfPeak()) ? "-" : String.format("%.0f%%", 100 * r.trainShareOfPeak());
            sb.append(String.format("%-30s %9.2f %9.1f %9.2f %9.1f %7s %9.1f %7.1f %9s %9s%n", r.problem().label(), r.forwardMs(),
                    r.forwardGflops(), r.trainMs(), r.trainGflops(), share, r.trainBytes() / 1e6, r.trainGBps(), ratio, ideal));
        }
        return sb.toString();
    }
}
