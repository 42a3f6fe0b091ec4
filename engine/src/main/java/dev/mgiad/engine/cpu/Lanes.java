package dev.mgiad.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A lane sum in a fixed order. {@code reduceLanes(ADD)} leaves the order of the float additions unspecified, and
 * it does differ between the interpreter, C1 and C2, so a training run gave different weights depending on when
 * the JIT compiled a kernel (a resumed run did not reproduce an uninterrupted one). This tree of rotations adds in
 * the same order in every execution mode.
 */
final class Lanes {
    private Lanes() { }

    private static final VectorSpecies<Float> S = Simd.SPECIES;
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] ROTATE = new VectorShuffle[Integer.numberOfTrailingZeros(S.length())];

    static {
        for (int k = 0, d = S.length() / 2; d >= 1; k++, d /= 2) ROTATE[k] = VectorShuffle.iota(S, d, 1, true);
    }

    static float sum(FloatVector v) {
        for (VectorShuffle<Float> r : ROTATE) v = v.add(v.rearrange(r));
        return v.lane(0);
    }
}
