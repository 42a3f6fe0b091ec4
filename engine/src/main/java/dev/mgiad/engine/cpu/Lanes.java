package dev.mgiad.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A lane sum in a fixed order. {@code reduceLanes(ADD)} leaves the order of the float additions unspecified, and
 * it does differ between the interpreter, C1 and C2, so a training run gave different weights depending on when
 * the JIT compiled a kernel (a resumed run did not reproduce an uninterrupted one). This tree of rotations adds in
 * the same order in every execution mode.
 *
 * <p>The rotations are constants ({@code static final} fields), not elements of an array: C2 intrinsifies a
 * rearrange only when it can see the shuffle, and with the shuffles in an array every sum that was not inlined
 * into a kernel ran the Java fallback, about 2.5 us (measured 2026-12-01, one core of the Intel Xeon): batch-norm
 * statistics in a convolution's epilogue then cost 5x a separate pass. (Storing the lanes and adding them as
 * scalars was 25x faster than that but 5x slower than the inlined rotations in the weight gradients' reductions.)
 */
final class Lanes {
    private Lanes() { }

    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = S.length();
    private static final VectorShuffle<Float> BY8 = VectorShuffle.iota(S, 8 % L, 1, true);
    private static final VectorShuffle<Float> BY4 = VectorShuffle.iota(S, 4, 1, true);
    private static final VectorShuffle<Float> BY2 = VectorShuffle.iota(S, 2, 1, true);
    private static final VectorShuffle<Float> BY1 = VectorShuffle.iota(S, 1, 1, true);

    static float sum(FloatVector v) {
        if (L == 16) v = v.add(v.rearrange(BY8));
        v = v.add(v.rearrange(BY4));
        v = v.add(v.rearrange(BY2));
        v = v.add(v.rearrange(BY1));
        return v.lane(0);
    }
}
