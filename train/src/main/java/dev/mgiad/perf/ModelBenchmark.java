package dev.mgiad.perf;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.optim.Sgd;
import dev.mgiad.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Times whole training steps of a model after warm-up, as timm's benchmark.py and the PyTorch peer
 * ({@code benchmarks/peer/bench_models.py}) do: the step time is the median of whole steps (forward with the loss,
 * backward, optimizer step), with the medians of the three phases beside it (their sum need not equal the step
 * median), then the median of inference passes. Every step's time, warm-up included, is kept too: the first steps
 * show how long the JIT takes to settle.
 */
public final class ModelBenchmark {

    /** Times in milliseconds: medians unless named otherwise. */
    public record Result(String model, long weights, long macsPerImage, int batch, int steps, double stepMs,
                         double stepMinMs, double stepIqrPct, double forwardMs, double backwardMs, double optimizerMs,
                         double inferenceMs, double[] everyStepMs) {
        public double imagesPerSecond() { return batch * 1000.0 / stepMs; }

        /** Training GFLOP/s counted as timm does: forward + backward = 3 x forward, 2 FLOPs per multiply-add. */
        public double trainGflops() { return 6.0 * macsPerImage * batch / stepMs / 1e6; }

        public double inferenceGflops() { return 2.0 * macsPerImage * batch / inferenceMs / 1e6; }

        /** Ordered fields for the results file (the names of the PyTorch peer's JSON where they exist). */
        public Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model);
            m.put("weights", weights);
            m.put("macs_per_img", macsPerImage);
            m.put("batch", (long) batch);
            m.put("steps", (long) steps);
            m.put("step_med_ms", stepMs);
            m.put("step_min_ms", stepMinMs);
            m.put("step_iqr_pct", stepIqrPct);
            m.put("fwd_med_ms", forwardMs);
            m.put("bwd_med_ms", backwardMs);
            m.put("opt_med_ms", optimizerMs);
            m.put("images_per_s", imagesPerSecond());
            m.put("train_gflops", trainGflops());
            m.put("infer_med_ms", inferenceMs);
            m.put("infer_gflops", inferenceMs > 0 ? inferenceGflops() : Double.NaN);
            List<Object> all = new ArrayList<>();
            for (double t : everyStepMs) all.add(t);
            m.put("every_step_ms", all);
            return m;
        }
    }

    /** Training steps and inference passes, as {@link #run(String, Model, Backend, int, int, int, int, boolean)}. */
    public static Result run(String label, Model model, Backend be, int batch, int size, int warmup, int steps) {
        return run(label, model, be, batch, size, warmup, steps, true);
    }

    /**
     * Runs {@code warmup} untimed and {@code steps} timed training steps on one fixed random batch; with
     * {@code inference}, each step is followed by a timed inference pass (left out for profiles of the step).
     */
    public static Result run(String label, Model model, Backend be, int batch, int size, int warmup, int steps,
                             boolean inference) {
        return run(label, model, be, batch, size, warmup, steps, inference, () -> { });
    }

    /**
     * As {@link #run(String, Model, Backend, int, int, int, int, boolean)}, calling {@code afterWarmup} between the
     * warm-up and the timed steps: the timed steps reuse the warm-up's graph and buffer pool, so a profile cleared
     * there sees steady-state steps, not the first allocation of every buffer (page faults, and garbage collections
     * that copy the new buffers, which landed inside arbitrary operators and made single calls take seconds).
     */
    public static Result run(String label, Model model, Backend be, int batch, int size, int warmup, int steps,
                             boolean inference, Runnable afterWarmup) {
        int in = model.config().inChannels(), classes = model.config().classes();
        Random r = new Random(1);
        float[] x = new float[batch * in * size * size];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = r.nextInt(classes);
        Graph g = new Graph(be);
        Sgd sgd = new Sgd(be, model.root().parameters(), 0.01f, 0.9f, 1e-4f, false);
        double[] step = new double[steps], f = new double[steps], b = new double[steps], o = new double[steps];
        double[] inf = new double[steps], every = new double[warmup + steps];
        for (int s = -warmup; s < steps; s++) {
            if (s == 0) afterWarmup.run();
            long t0 = System.nanoTime();
            Var logits = model.forward(g, g.input(x, batch, in, size, size));
            g.crossEntropy(logits, labels, 0f);
            be.sync();
            long t1 = System.nanoTime();
            g.backward();
            be.sync();
            long t2 = System.nanoTime();
            sgd.step();
            sgd.zeroGrad();
            be.sync();
            long t3 = System.nanoTime();
            g.reset();
            long t4 = 0, t5 = 0;
            if (inference) {
                g.setTraining(false);
                t4 = System.nanoTime();
                g.crossEntropy(model.forward(g, g.input(x, batch, in, size, size)), labels, 0f);
                be.sync();
                t5 = System.nanoTime();
                g.reset();
                g.setTraining(true);
            }
            every[s + warmup] = (t3 - t0) / 1e6;
            if (s >= 0) {
                step[s] = (t3 - t0) / 1e6;
                f[s] = (t1 - t0) / 1e6;
                b[s] = (t2 - t1) / 1e6;
                o[s] = (t3 - t2) / 1e6;
                inf[s] = (t5 - t4) / 1e6;
            }
        }
        double med = median(step);
        return new Result(label, model.weightCount(), model.macs(size, size), batch, steps, med,
                Arrays.stream(step).min().orElse(Double.NaN), 100 * (quantile(step, 0.75) - quantile(step, 0.25)) / med,
                median(f), median(b), median(o), inference ? median(inf) : Double.NaN, every);
    }

    static double median(double[] a) { return quantile(a, 0.5); }

    /** Linear interpolation between order statistics, as the peer's {@code q()}. */
    static double quantile(double[] a, double p) {
        double[] s = a.clone();
        Arrays.sort(s);
        double k = (s.length - 1) * p;
        int lo = (int) k, hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (s[hi] - s[lo]) * (k - lo);
    }

    public static String header() {
        return String.format("%-42s %10s %9s %9s %7s %9s %9s %9s %9s %10s %10s%n", "model", "weights", "MMAC/img",
                "step ms", "iqr %", "fwd ms", "bwd ms", "opt ms", "img/s", "train GF/s", "infer GF/s");
    }

    public static String row(Result r) {
        return String.format(Locale.ROOT, "%-42s %,10d %9.1f %9.1f %7.1f %9.1f %9.1f %9.1f %9.1f %10.1f %10.1f%n",
                r.model(), r.weights(), r.macsPerImage() / 1e6, r.stepMs(), r.stepIqrPct(), r.forwardMs(),
                r.backwardMs(), r.optimizerMs(), r.imagesPerSecond(), r.trainGflops(), r.inferenceGflops());
    }
}
