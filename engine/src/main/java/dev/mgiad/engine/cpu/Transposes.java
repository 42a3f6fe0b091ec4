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
 * <p>At 16 lanes two methods of two stages each, 16 vectors in locals, with the block stored in between (in place, in
 * L1): the whole transpose in one method went over C2's inlining node budget (NodeCountInliningCutoff), and the vector
 * calls left out of line boxed their vectors (3x slower than the lane-sum kernel it was to replace); one method per
 * stage loaded and stored the block twice as often (two per method: 1.05-1.1x in the Winograd weight gradient, 13 of
 * 18 paired runs). The rotations and masks are constants in each method's code, which C2 needs to intrinsify them
 * (see {@link Lanes}).
 */
final class Transposes {
    private Transposes() { }

    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = S.length();

    /** Whether this width has a transpose (16 or 8 lanes); others take the kernels that need none. */
    static final boolean SUPPORTED = L == 16 || L == 8;

    // (at 8 lanes the 8-lane rotations are the identity and unused)
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
        if (L == 16) {
            stages84(src, s, sStride, src, s, sStride);
            stages21(src, s, sStride, dst, d, dStride);
        } else {
            stage4(src, s, sStride, src, s, sStride);
            stage2(src, s, sStride, src, s, sStride);
            stage1(src, s, sStride, dst, d, dStride);
        }
    }

    private static FloatVector ld(float[] a, int i) { return FloatVector.fromArray(S, a, i); }

    /** Stages 8 and 4 of a 16-lane block in registers: rows r, r + 8, then r, r + 4. */
    private static void stages84(float[] src, int s, int ss, float[] dst, int d, int ds) {
        FloatVector r0 = ld(src, s), r1 = ld(src, s + ss), r2 = ld(src, s + 2 * ss), r3 = ld(src, s + 3 * ss);
        FloatVector r4 = ld(src, s + 4 * ss), r5 = ld(src, s + 5 * ss), r6 = ld(src, s + 6 * ss), r7 = ld(src, s + 7 * ss);
        FloatVector r8 = ld(src, s + 8 * ss), r9 = ld(src, s + 9 * ss), r10 = ld(src, s + 10 * ss), r11 = ld(src, s + 11 * ss);
        FloatVector r12 = ld(src, s + 12 * ss), r13 = ld(src, s + 13 * ss), r14 = ld(src, s + 14 * ss), r15 = ld(src, s + 15 * ss);
        FloatVector t;
        t = r0.blend(r8.rearrange(RIGHT8), BIT8); r8 = r0.rearrange(LEFT8).blend(r8, BIT8); r0 = t;
        t = r1.blend(r9.rearrange(RIGHT8), BIT8); r9 = r1.rearrange(LEFT8).blend(r9, BIT8); r1 = t;
        t = r2.blend(r10.rearrange(RIGHT8), BIT8); r10 = r2.rearrange(LEFT8).blend(r10, BIT8); r2 = t;
        t = r3.blend(r11.rearrange(RIGHT8), BIT8); r11 = r3.rearrange(LEFT8).blend(r11, BIT8); r3 = t;
        t = r4.blend(r12.rearrange(RIGHT8), BIT8); r12 = r4.rearrange(LEFT8).blend(r12, BIT8); r4 = t;
        t = r5.blend(r13.rearrange(RIGHT8), BIT8); r13 = r5.rearrange(LEFT8).blend(r13, BIT8); r5 = t;
        t = r6.blend(r14.rearrange(RIGHT8), BIT8); r14 = r6.rearrange(LEFT8).blend(r14, BIT8); r6 = t;
        t = r7.blend(r15.rearrange(RIGHT8), BIT8); r15 = r7.rearrange(LEFT8).blend(r15, BIT8); r7 = t;
        t = r0.blend(r4.rearrange(RIGHT4), BIT4); r4 = r0.rearrange(LEFT4).blend(r4, BIT4); r0 = t;
        t = r1.blend(r5.rearrange(RIGHT4), BIT4); r5 = r1.rearrange(LEFT4).blend(r5, BIT4); r1 = t;
        t = r2.blend(r6.rearrange(RIGHT4), BIT4); r6 = r2.rearrange(LEFT4).blend(r6, BIT4); r2 = t;
        t = r3.blend(r7.rearrange(RIGHT4), BIT4); r7 = r3.rearrange(LEFT4).blend(r7, BIT4); r3 = t;
        t = r8.blend(r12.rearrange(RIGHT4), BIT4); r12 = r8.rearrange(LEFT4).blend(r12, BIT4); r8 = t;
        t = r9.blend(r13.rearrange(RIGHT4), BIT4); r13 = r9.rearrange(LEFT4).blend(r13, BIT4); r9 = t;
        t = r10.blend(r14.rearrange(RIGHT4), BIT4); r14 = r10.rearrange(LEFT4).blend(r14, BIT4); r10 = t;
        t = r11.blend(r15.rearrange(RIGHT4), BIT4); r15 = r11.rearrange(LEFT4).blend(r15, BIT4); r11 = t;
        r0.intoArray(dst, d); r1.intoArray(dst, d + ds); r2.intoArray(dst, d + 2 * ds); r3.intoArray(dst, d + 3 * ds);
        r4.intoArray(dst, d + 4 * ds); r5.intoArray(dst, d + 5 * ds); r6.intoArray(dst, d + 6 * ds); r7.intoArray(dst, d + 7 * ds);
        r8.intoArray(dst, d + 8 * ds); r9.intoArray(dst, d + 9 * ds); r10.intoArray(dst, d + 10 * ds); r11.intoArray(dst, d + 11 * ds);
        r12.intoArray(dst, d + 12 * ds); r13.intoArray(dst, d + 13 * ds); r14.intoArray(dst, d + 14 * ds); r15.intoArray(dst, d + 15 * ds);
    }

    /** Stages 2 and 1 of a 16-lane block in registers: rows r, r + 2, then r, r + 1. */
    private static void stages21(float[] src, int s, int ss, float[] dst, int d, int ds) {
        FloatVector r0 = ld(src, s), r1 = ld(src, s + ss), r2 = ld(src, s + 2 * ss), r3 = ld(src, s + 3 * ss);
        FloatVector r4 = ld(src, s + 4 * ss), r5 = ld(src, s + 5 * ss), r6 = ld(src, s + 6 * ss), r7 = ld(src, s + 7 * ss);
        FloatVector r8 = ld(src, s + 8 * ss), r9 = ld(src, s + 9 * ss), r10 = ld(src, s + 10 * ss), r11 = ld(src, s + 11 * ss);
        FloatVector r12 = ld(src, s + 12 * ss), r13 = ld(src, s + 13 * ss), r14 = ld(src, s + 14 * ss), r15 = ld(src, s + 15 * ss);
        FloatVector t;
        t = r0.blend(r2.rearrange(RIGHT2), BIT2); r2 = r0.rearrange(LEFT2).blend(r2, BIT2); r0 = t;
        t = r1.blend(r3.rearrange(RIGHT2), BIT2); r3 = r1.rearrange(LEFT2).blend(r3, BIT2); r1 = t;
        t = r4.blend(r6.rearrange(RIGHT2), BIT2); r6 = r4.rearrange(LEFT2).blend(r6, BIT2); r4 = t;
        t = r5.blend(r7.rearrange(RIGHT2), BIT2); r7 = r5.rearrange(LEFT2).blend(r7, BIT2); r5 = t;
        t = r8.blend(r10.rearrange(RIGHT2), BIT2); r10 = r8.rearrange(LEFT2).blend(r10, BIT2); r8 = t;
        t = r9.blend(r11.rearrange(RIGHT2), BIT2); r11 = r9.rearrange(LEFT2).blend(r11, BIT2); r9 = t;
        t = r12.blend(r14.rearrange(RIGHT2), BIT2); r14 = r12.rearrange(LEFT2).blend(r14, BIT2); r12 = t;
        t = r13.blend(r15.rearrange(RIGHT2), BIT2); r15 = r13.rearrange(LEFT2).blend(r15, BIT2); r13 = t;
        t = r0.blend(r1.rearrange(RIGHT1), BIT1); r1 = r0.rearrange(LEFT1).blend(r1, BIT1); r0 = t;
        t = r2.blend(r3.rearrange(RIGHT1), BIT1); r3 = r2.rearrange(LEFT1).blend(r3, BIT1); r2 = t;
        t = r4.blend(r5.rearrange(RIGHT1), BIT1); r5 = r4.rearrange(LEFT1).blend(r5, BIT1); r4 = t;
        t = r6.blend(r7.rearrange(RIGHT1), BIT1); r7 = r6.rearrange(LEFT1).blend(r7, BIT1); r6 = t;
        t = r8.blend(r9.rearrange(RIGHT1), BIT1); r9 = r8.rearrange(LEFT1).blend(r9, BIT1); r8 = t;
        t = r10.blend(r11.rearrange(RIGHT1), BIT1); r11 = r10.rearrange(LEFT1).blend(r11, BIT1); r10 = t;
        t = r12.blend(r13.rearrange(RIGHT1), BIT1); r13 = r12.rearrange(LEFT1).blend(r13, BIT1); r12 = t;
        t = r14.blend(r15.rearrange(RIGHT1), BIT1); r15 = r14.rearrange(LEFT1).blend(r15, BIT1); r14 = t;
        r0.intoArray(dst, d); r1.intoArray(dst, d + ds); r2.intoArray(dst, d + 2 * ds); r3.intoArray(dst, d + 3 * ds);
        r4.intoArray(dst, d + 4 * ds); r5.intoArray(dst, d + 5 * ds); r6.intoArray(dst, d + 6 * ds); r7.intoArray(dst, d + 7 * ds);
        r8.intoArray(dst, d + 8 * ds); r9.intoArray(dst, d + 9 * ds); r10.intoArray(dst, d + 10 * ds); r11.intoArray(dst, d + 11 * ds);
        r12.intoArray(dst, d + 12 * ds); r13.intoArray(dst, d + 13 * ds); r14.intoArray(dst, d + 14 * ds); r15.intoArray(dst, d + 15 * ds);
    }

    // 8 lanes: one method per bit, each with its own constants (a shared body taking the shuffles as arguments was
    // compiled on its own, C2 did not inline it into its callers, and there the shuffles are not constants). Rows r and
    // r + bit (bit clear in r) swap bit between row and lane index; both are loaded before either is stored.

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
