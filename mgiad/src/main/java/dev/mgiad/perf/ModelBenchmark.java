package dev.mgiad.perf;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.optim.Sgd;
import dev.mgiad.model.Model;

import java.util.Arrays;
import java.util.Random;

/**
 * Times whole training steps of a model after warm-up, like timm's benchmark.py: forward (with the loss),
 * backward and the optimizer step, each on its own, as medians over the measured steps.
 */
public final class ModelBenchmark {

    /** Medians in milliseconds per step. */
    public record Result(String model, long weights, long macsPerImage, int batch, int steps, double forwardMs,
                         double backwardMs, double optimizerMs, double stepMs, double inferenceMs) {
        public double imagesPerSecond() { return batch * 1000.0 / stepMs; }

        /** Training GFLOP/s counted as timm does: forward + backward = 3 x forward, 2 FLOPs per multiply-add. */
        public double trainGflops() { return 6.0 * macsPerImage * batch / stepMs / 1e6; }

        public double inferenceGflops() { return 2.0 * macsPerImage * batch / inferenceMs / 1e6; }
    }

    public static Result run(String label, Model model, Backend be, int batch, int size, int warmup, int steps) {
        int in = model.config().inChannels(), classes = model.config().classes();
        Random r = new Random(1);
        float[] x = new float[batch * in * size * size];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = r.nextInt(classes);
        Graph g = new Graph(be);
        Sgd sgd = new Sgd(be, model.root().parameters(), 0.01f, 0.9f, 1e-4f, false);
        double[] f = new double[steps], b = new double[steps], o = new double[steps], inf = new double[steps];
        for (int s = -warmup; s < steps; s++) {
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
            g.setTraining(false);
            long t4 = System.nanoTime();
            g.crossEntropy(model.forward(g, g.input(x, batch, in, size, size)), labels, 0f);
            be.sync();
            long t5 = System.nanoTime();
            g.reset();
            g.setTraining(true);
            if (s >= 0) {
                f[s] = (t1 - t0) / 1e6;
                b[s] = (t2 - t1) / 1e6;
                o[s] = (t3 - t2) / 1e6;
                inf[s] = (t5 - t4) / 1e6;
            }
        }
        double fm = median(f), bm = median(b), om = median(o);
        return new Result(label, model.weightCount(), model.macs(size, size), batch, steps, fm, bm, om, fm + bm + om,
                median(inf));
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static String header() {
        return String.format("%-34s %10s %9s %9s %9s %9s %9s %9s %9s %9s%n", "model", "weights", "MMAC/img", "fwd ms",
                "bwd ms", "opt ms", "step ms", "img/s", "train GF/s", "infer GF/s");
    }

    public static String row(Result r) {
        return String.format("%-34s %,10d %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f%n", r.model(), r.weights(),
                r.macsPerImage() / 1e6, r.forwardMs(), r.backwardMs(), r.optimizerMs(), r.stepMs(), r.imagesPerSecond(),
                r.trainGflops(), r.inferenceGflops());
    }
}
