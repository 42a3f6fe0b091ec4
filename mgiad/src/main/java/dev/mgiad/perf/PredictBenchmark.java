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

    /** Medians in milliseconds per call of {@code batch} images; NaN where a path was not run. */
    public record Result(int batch, double batchedMs, double planarMs) {
        public double batchedImagesPerSecond() { return batch * 1000.0 / batchedMs; }
        public double planarImagesPerSecond() { return batch * 1000.0 / planarMs; }
    }

    /**
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
        double[] t = new double[rounds];
        for (int s = -warmup; s < rounds; s++) {
            long t0 = System.nanoTime();
            be.download(model.forward(g, g.input(x, batch, in, size, size)).value());
            g.reset();
            if (s >= 0) t[s] = (System.nanoTime() - t0) / 1e6;
        }
        double batched = ModelBenchmark.median(t), planar = Double.NaN;
        if (batch <= planarUpTo) {
            PlanarOps ops = new PlanarOps(model.root(), be, kernels);
            for (int s = -warmup; s < rounds; s++) {
                long t0 = System.nanoTime();
                ops.logits(model, x, batch, in, size, size);
                if (s >= 0) t[s] = (System.nanoTime() - t0) / 1e6;
            }
            planar = ModelBenchmark.median(t);
        }
        return new Result(batch, batched, planar);
    }

    public static String header() {
        return String.format("%6s %14s %12s %14s %12s %9s%n", "batch", "batched ms", "batched img/s", "small-batch ms",
                "small img/s", "speed-up");
    }

    public static String row(Result r) {
        if (Double.isNaN(r.planarMs())) {
            return String.format("%6d %14.2f %12.1f %14s %12s %9s%n", r.batch(), r.batchedMs(), r.batchedImagesPerSecond(), "-", "-", "-");
        }
        return String.format("%6d %14.2f %12.1f %14.2f %12.1f %8.2fx%n", r.batch(), r.batchedMs(), r.batchedImagesPerSecond(),
                r.planarMs(), r.planarImagesPerSecond(), r.batchedMs() / r.planarMs());
    }
}
