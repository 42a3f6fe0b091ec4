package dev.mgiad.perf;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.PlanarKernels;
import dev.mgiad.model.Model;
import dev.mgiad.model.PlanarOps;

import java.util.Random;

/**
 * Inference latency by batch size on the two paths: the training layout's evaluation mode (16 images in the SIMD
 * lanes, a smaller batch padded to 16) and the pixel-vectorised small-batch path ({@link PlanarOps}).
 */
public final class PredictBenchmark {
    private PredictBenchmark() { }

    /**
     * Milliseconds per call of {@code batch} images, median and minimum over the rounds (on a shared machine the
     * minimum is the better estimate of the uncontended time); NaN where a path was not run.
     */
    public record Result(int batch, double batchedMs, double batchedMinMs, double planarMs, double planarMinMs) {
        public double batchedImagesPerSecond() { return batch * 1000.0 / batchedMs; }
        public double planarImagesPerSecond() { return batch * 1000.0 / planarMs; }
    }

    /**
     * Runs the two paths alternately, round by round, so that both see the same machine load.
     *
     * @param planarUpTo run the small-batch path only for batches up to this size (it is meant for fewer than 16)
     */
    public static Result run(Model model, Backend be, PlanarKernels kernels, int batch, int size, int warmup, int rounds,
                             int planarUpTo) {
        int in = model.config().inChannels();
        Random r = new Random(1);
        float[] x = new float[batch * in * size * size];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Graph g = new Graph(be);
        g.setTraining(false);
        boolean small = batch <= planarUpTo;
        PlanarOps ops = small ? new PlanarOps(model.root(), be, kernels) : null;
        double[] tb = new double[rounds], tp = new double[rounds];
        for (int s = -warmup; s < rounds; s++) {
            long t0 = System.nanoTime();
            be.download(model.forward(g, g.input(x, batch, in, size, size)).value());
            g.reset();
            long t1 = System.nanoTime();
            if (small) ops.logits(model, x, batch, in, size, size);
            long t2 = System.nanoTime();
            if (s >= 0) {
                tb[s] = (t1 - t0) / 1e6;
                tp[s] = (t2 - t1) / 1e6;
            }
        }
        return new Result(batch, ModelBenchmark.median(tb), min(tb), small ? ModelBenchmark.median(tp) : Double.NaN,
                small ? min(tp) : Double.NaN);
    }

    private static double min(double[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : a) m = Math.min(m, v);
        return m;
    }

    public static String header() {
        return String.format("%6s %11s %11s %13s %11s %11s %13s %9s%n", "batch", "batched ms", "(min)", "batched img/s",
                "small ms", "(min)", "small img/s", "speed-up");
    }

    /** Speed-up is the ratio of the minima. */
    public static String row(Result r) {
        if (Double.isNaN(r.planarMs())) {
            return String.format("%6d %11.2f %11.2f %13.1f %11s %11s %13s %9s%n", r.batch(), r.batchedMs(), r.batchedMinMs(),
                    r.batchedImagesPerSecond(), "-", "-", "-", "-");
        }
        return String.format("%6d %11.2f %11.2f %13.1f %11.2f %11.2f %13.1f %8.2fx%n", r.batch(), r.batchedMs(), r.batchedMinMs(),
                r.batchedImagesPerSecond(), r.planarMs(), r.planarMinMs(), r.planarImagesPerSecond(), r.batchedMinMs() / r.planarMinMs());
    }
}
