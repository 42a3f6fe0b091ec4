package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code y = max(y, 0)} on the rows a convolution's epilogue has just finished: the forward ReLU of
 * {@link CpuBackend#convForwardRelu}, the same arithmetic as {@link CpuBackend#axpby} with a ReLU (so the fused and
 * the unfused graph agree bit for bit). Clamping is idempotent, so rows a kernel did not report are clamped again
 * by a whole pass.
 */
final class ReluRows extends RowEpilogue {
    private static final VectorSpecies<Float> S = CpuBackend.S;
    private static final int L = CpuBackend.L;

    ReluRows(Tensor y) { super(y.batchBlocks(), y.c(), y.h()); }

    @Override
    void row(float[] y, long from, long to, int nb, int c, int row) { clamp(y, from, to); }

    private static void clamp(float[] y, long from, long to) {
        FloatVector zero = FloatVector.zero(S);
        for (long o = from; o < to; o += L) FloatVector.fromArray(S, y, (int) o).max(zero).intoArray(y, (int) o);
    }
}
