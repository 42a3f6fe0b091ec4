package dev.mgiad.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * An L x L block of floats transposed with vector shuffles (L = 16 or 8 lanes) in log2(L) butterfly stages. Stage d
 * pairs rows r and r + d (bit d of r clear) and swaps bit d between row and lane index: the
 * lanes of row r with bit d set take row r + d's lanes d to the left, and the other way round; after the stages for
 * every bit, element (r, c) sits at (c, r).
 *
 * <p>Each stage is a method of its own that loads its rows and stores them (in place, the block in L1): the whole
 * transpose in one method, 16 vectors in locals, went over C2's inlining node budget (NodeCountInliningCutoff), and
 * the vector calls left out of line boxed their vectors (3x slower than the lane-sum kernel it was to replace). The
 * rotations and masks are constants in each stage's code, which C2 needs to intrinsify them (see {@link Lanes}).
 */
final class Transposes {
    private Transposes() { }

    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = S.length();

    /** Whether this width has a transpose (16 or 8 lanes); others take the kernels that need none. */
    static final boolean SUPPORTED = L == 16 || L == 8;

    private static final VectorShuffle<Float> LEFT8 = VectorShuffle.iota(S, 8 % L, 1, true);
    private static final VectorShuffle<Float> LEFT4 = VectorShuffle.iota(S, 4 % L, 1, true);
    private static final VectorShuffle<Float> LEFT2 = VectorShuffle.iota(S, 2 % L, 1, true);
    private static final VectorShuffle<Float> LEFT1 = VectorShuffle.iota(S, 1 % L, 1, true);
    private static final VectorShuffle<Float> RIGHT8 = VectorShuffle.iota(S, (L - 8 % L) % L, 1, true);
    private static final VectorShuffle<Float> RIGHT4 = VectorShuffle.iota(S, (L - 4 % L) % L, 1, true);
    private static final VectorShuffle<Float> RIGHT2 = VectorShuffle.iota(S, (L - 2 % L) % L, 1, true);
    private static final VectorShuffle<Float> RIGHT1 = VectorShuffle.iota(S, (L - 1 % L) % L, 1, true);
    private static final VectorMask<Float> BIT8 = VectorMask.fromLong(S, 0xFF00FF00FF00FF00L);
    private static final VectorMask<Float> BIT4 = VectorMask.fromLong(S, 0xF0F0F0F0F0F0F0F0L);
    private static final VectorMask<Float> BIT2 = VectorMask.fromLong(S, 0xCCCCCCCCCCCCCCCCL);
    private static final VectorMask<Float> BIT1 = VectorMask.fromLong(S, 0xAAAAAAAAAAAAAAAAL);

    /**
     * Rows {@code src[s + r * sStride .. + L]} (r = 0..L-1) transposed into rows {@code dst[d + c * dStride .. + L]}:
     * {@code dst[d + c * dStride + r] = src[s + r * sStride + c]}. The first stages work on the source block in place
     * (it is overwritten) and the last writes the destination.
     */
    static void block(float[] src, int s, int sStride, float[] dst, int d, int dStride) {
        if (L == 16) stage8(src, s, sStride, src, s, sStride);
        stage4(src, s, sStride, src, s, sStride);
        stage2(src, s, sStride, src, s, sStride);
        stage1(src, s, sStride, dst, d, dStride);
    }

    // One method per bit, each with its own constants: a shared body taking the shuffles as arguments was compiled
    // on its own (C2 did not inline it into the four callers), where the shuffles are not constants.
    // Rows r and r + bit (bit clear in r) swap bit between row and lane index; both loaded before either is stored.

    private static void stage8(float[] src, int s, int ss, float[] dst, int d, int ds) {
        for (int r = 0; r < 8; r++) {
            FloatVector a = FloatVector.fromArray(S, src, s + r * ss), b = FloatVector.fromArray(S, src, s + (r + 8) * ss);
            a.blend(b.rearrange(RIGHT8), BIT8).intoArray(dst, d + r * ds);
            a.rearrange(LEFT8).blend(b, BIT8).intoArray(dst, d + (r + 8) * ds);
        }
    }

    private static void stage4(float[] src, int s, int ss, float[] dst, int d, int ds) {
        for (int r = 0; r < L; r += (r & 3) == 3 ? 5 : 1) {
            FloatVector a = FloatVector.fromArray(S, src, s + r * ss), b = FloatVector.fromArray(S, src, s + (r + 4) * ss);
            a.blend(b.rearrange(RIGHT4), BIT4).intoArray(dst, d + r * ds);
            a.rearrange(LEFT4).blend(b, BIT4).intoArray(dst, d + (r + 4) * ds);
        }
    }

    private static void stage2(float[] src, int s, int ss, float[] dst, int d, int ds) {
        for (int r = 0; r < L; r += (r & 1) == 1 ? 3 : 1) {
            FloatVector a = FloatVector.fromArray(S, src, s + r * ss), b = FloatVector.fromArray(S, src, s + (r + 2) * ss);
            a.blend(b.rearrange(RIGHT2), BIT2).intoArray(dst, d + r * ds);
            a.rearrange(LEFT2).blend(b, BIT2).intoArray(dst, d + (r + 2) * ds);
        }
    }

    private static void stage1(float[] src, int s, int ss, float[] dst, int d, int ds) {
        for (int r = 0; r < L; r += 2) {
            FloatVector a = FloatVector.fromArray(S, src, s + r * ss), b = FloatVector.fromArray(S, src, s + (r + 1) * ss);
            a.blend(b.rearrange(RIGHT1), BIT1).intoArray(dst, d + r * ds);
            a.rearrange(LEFT1).blend(b, BIT1).intoArray(dst, d + (r + 1) * ds);
        }
    }
}
