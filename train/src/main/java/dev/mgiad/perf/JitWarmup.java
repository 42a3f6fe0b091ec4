package dev.mgiad.perf;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;

/**
 * Warms the JIT up on small shapes before a run's first real step. The Vector API kernels are slow until C2 has
 * compiled them (interpreted, a vector operation allocates), and the first steps of a run would otherwise run them
 * at full batch size in that state. A throwaway model of the same configuration, so the same kernels, trains a few
 * steps on one batch block of random images (1/8 of the work of a batch of 128) and is then dropped; the real
 * model, its optimizer and the run's random streams are not touched, so results stay bit-for-bit the same.
 */
public final class JitWarmup {
    private JitWarmup() { }

    /** Runs the warm-up; returns its wall time in seconds. */
    public static double run(ModelConfig config, Backend backend, int size, int steps) {
        long t0 = System.nanoTime();
        ModelBenchmark.run("warm-up", Models.build(config, backend, 1), backend, backend.batchBlock(), size, steps, 1, true);
        return (System.nanoTime() - t0) / 1e9;
    }
}
