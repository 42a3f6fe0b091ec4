package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The ReLU backward {@code g = g * (y > 0)} applied in place to the rows of a gradient as a convolution's epilogue
 * finishes them ({@link dev.mgiad.engine.backend.GradientEpilogue.ReluMask}). Masking is idempotent, so rows a
 * kernel did not report are simply masked again by a whole pass.
 */
final class ReluMaskRows extends RowEpilogue {
    private static final VectorSpecies<Float> S = CpuBackend.S;
    private static final int L = CpuBackend.L;

    private final float[] my;

    ReluMaskRows(Tensor y) {
        super(y.batchBlocks(), y.c(), y.h());
        this.my = CpuBackend.seg(y);
    }

    @Override
    void row(float[] g, long from, long to, int nb, int c, int y) { mask(my, g, from, to); }

    static void mask(float[] my, float[] g, long from, long to) {
        FloatVector zero = FloatVector.zero(S);
        for (long o = from; o < to; o += L) {
            FloatVector v = FloatVector.fromArray(S, g, (int) o);
            zero.blend(v, FloatVector.fromArray(S, my, (int) o).compare(VectorOperators.GT, 0f)).intoArray(g, (int) o);
        }
    }
}
