package dev.mgiad.engine.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's FP32 FMA peak, measured in-process with the same vector width the kernels use: every thread runs
 * 16 independent FMA chains on register values (enough to hide the FMA latency on two FMA units), for a fixed
 * time. These hosts are shared and their speed drifts, so benchmarks probe the peak right next to their rows and
 * report each row's share of it.
 */
public final class FmaPeak {
    private FmaPeak() { }

    private static final VectorSpecies<Float> S = dev.mgiad.engine.cpu.Simd.SPECIES;
    private static volatile float sink;

    /** GFLOP/s of {@code threads} threads running FMA chains at once, best of {@code repeats} runs of ~50 ms. */
    public static double measure(int threads, int repeats) {
        double best = 0;
        chains(200_000); // JIT
        for (int r = 0; r < repeats; r++) {
            final long iters = 400_000;
            Thread[] ts = new Thread[threads];
            long t0 = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                ts[i] = Thread.ofPlatform().start(() -> sink += chains(iters));
            }
            for (Thread t : ts) {
                try { t.join(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); return best; }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, threads * iters * 16.0 * 2 * S.length() / s / 1e9);
        }
        return best;
    }

    private static float chains(long iters) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f), c = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c;
        FloatVector b0 = c, b1 = c, b2 = c, b3 = c, b4 = c, b5 = c, b6 = c, b7 = c;
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            b0 = b0.fma(m, c); b1 = b1.fma(m, c); b2 = b2.fma(m, c); b3 = b3.fma(m, c);
            b4 = b4.fma(m, c); b5 = b5.fma(m, c); b6 = b6.fma(m, c); b7 = b7.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7)
                .add(b0).add(b1).add(b2).add(b3).add(b4).add(b5).add(b6).add(b7).lane(0);
    }
}
