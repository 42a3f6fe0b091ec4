package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;


/**
 * Direct convolution in the batch-blocked layout {@code [N/L][C][H][W][L]}, L = SIMD width.
 *
 * <p>Every regime has the same inner operation: broadcast one weight and FMA it into L images at once. What
 * differs between regimes is how many weights share a loaded input vector, so kernels are specialised by the
 * register block, not by group size:
 * <ul>
 *   <li>3x3 stride 1, 4 or more output channels per group (dense, grouped g_s >= 4, and the stride-1 input
 *       gradient): 4 channels x 4 pixels of accumulators, per input row and tap 4 loads and 4 broadcasts feed 16 FMAs.</li>
 *   <li>3x3 stride 1 with fewer output channels per group (depthwise): 1 x 4, memory-bound anyway.</li>
 *   <li>3x3 stride 2: 4 channels x 2 pixels (1 x 4 for depthwise); the input gradient is a parity gather, tiled
 *       4 x 4 for grouped/dense and with register-resident weights for depthwise.</li>
 *   <li>1x1, stride 1 or 2: 4 x 4 over pixels.</li>
 *   <li>the weight gradient: one thread per output-channel tile (4 channels x 3 taps, or 1 channel x 9 taps),
 *       no reduction between threads, lanes summed in a fixed order.</li>
 *   <li>anything else and the tails: a one-pixel kernel with bounds checks per tap, correct for every shape.</li>
 * </ul>
 *
 * <p>Two JIT rules shape the code: C2 inlines only so many Vector API calls into one compilation, so no kernel
 * body is unrolled further than needed; and a vector passed to a method that is not inlined is boxed, so kernels
 * store their accumulators themselves ({@code intoArray}).
 *
 * <p>The stride-1 input gradient is itself a convolution of {@code dy} with the transposed, flipped weight, so the
 * same loops serve it through a weight accessor {@code w[base + o*sO + i*sI + tap*sT]}.
 */
final class ConvKernels {
    private ConvKernels() { }

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final long P = L; // floats of one batch-blocked position (offsets below are in floats)

    /** One direct-convolution problem: Out = base + alpha * conv(In, W) with a generalised weight accessor. */
    static final class Job {
        float[] in, out, w, base;
        int ci, hi, wi;      // In: channels, height, width
        int co, ho, wo;      // Out
        int groups, inG, outG, k, stride, pad, nBlocks;
        long wGroupStride;   // floats between the weights of consecutive groups
        long wOff;           // offset of (o=0, i=0, tap=0) inside a group
        long sO, sI, sT;     // weight strides for output channel, input channel, tap
        float alpha;
    }

    static Job forwardJob(ConvParams p, float[] x, float[] w, float[] y, float[] base,
                          float alpha, int nBlocks) {
        Job j = new Job();
        j.in = x; j.out = y; j.w = w; j.base = base; j.alpha = alpha;
        j.ci = p.cin(); j.hi = p.h(); j.wi = p.w();
        j.co = p.cout(); j.ho = p.oh(); j.wo = p.ow();
        j.groups = p.groups(); j.inG = p.cinPerGroup(); j.outG = p.coutPerGroup();
        j.k = p.k(); j.stride = p.stride(); j.pad = p.pad(); j.nBlocks = nBlocks;
        int kk = p.k() * p.k();
        j.wGroupStride = (long) j.outG * j.inG * kk;
        j.wOff = 0; j.sO = (long) j.inG * kk; j.sI = kk; j.sT = 1;
        return j;
    }

    /** The stride-1 'same' input gradient as a forward convolution of dy with the transposed, flipped weight. */
    static Job backwardDataJob(ConvParams p, float[] dy, float[] w, float[] dx, float[] base,
                               float alpha, int nBlocks) {
        Job j = new Job();
        j.in = dy; j.out = dx; j.w = w; j.base = base; j.alpha = alpha;
        j.ci = p.cout(); j.hi = p.oh(); j.wi = p.ow();
        j.co = p.cin(); j.ho = p.h(); j.wo = p.w();
        j.groups = p.groups(); j.inG = p.coutPerGroup(); j.outG = p.cinPerGroup();
        j.k = p.k(); j.stride = 1; j.pad = p.pad(); j.nBlocks = nBlocks;
        int kk = p.k() * p.k();
        j.wGroupStride = (long) p.coutPerGroup() * p.cinPerGroup() * kk;
        j.wOff = kk - 1; j.sO = kk; j.sI = (long) p.cinPerGroup() * kk; j.sT = -1;
        return j;
    }

    static boolean isSameStride1(ConvParams p) { return p.stride() == 1 && 2 * p.pad() == p.k() - 1; }

    // =====================================================================================  forward driver

    static void run(Job j, Parallel par) {
        int rows = j.ho;
        int perImageItems = j.groups;
        int bands = Math.max(1, Math.min(rows, (4 * par.threads() + j.nBlocks * perImageItems - 1) / (j.nBlocks * perImageItems)));
        int items = j.nBlocks * j.groups * bands;
        boolean k3 = j.k == 3 && j.stride == 1 && j.pad == 1;
        boolean k3s2 = j.k == 3 && j.stride == 2 && j.pad == 1;
        boolean k1 = j.k == 1 && j.pad == 0;
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int band = it % bands;
                int g = (it / bands) % j.groups;
                int nb = it / (bands * j.groups);
                int y0 = (int) ((long) rows * band / bands), y1 = (int) ((long) rows * (band + 1) / bands);
                if (k1 && j.stride == 1) {
                    runK1(j, nb, g, y0 * j.wo, y1 * j.wo, 0, 1);
                    epilogue(j, nb, g, y0 * j.wo, y1 * j.wo);
                } else if (k1) {
                    for (int y = y0; y < y1; y++) {
                        runK1(j, nb, g, y * j.wo, (y + 1) * j.wo, y * j.stride * j.wi - y * j.wo, j.stride);
                        epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
                    }
                } else {
                    for (int y = y0; y < y1; y++) {
                        if (k3) runK3Row(j, nb, g, y);
                        else if (k3s2) runK3S2Row(j, nb, g, y);
                        else for (int o = 0; o < j.outG; o++) for (int x = 0; x < j.wo; x++) generic(j, nb, g, o, y, x);
                        epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
                    }
                }
            }
        });
    }

    private static long planeFloats(int h, int w) { return (long) h * w * P; }

    /**
     * Kernels store raw sums (with {@code intoArray} in the kernel itself: a vector passed to a method that C2 does
     * not inline gets boxed); the epilogue {@code out = base + alpha * out} runs afterwards over the rows just
     * written (still in cache). Inside the kernels it would push them over C2's inlining budget.
     */

    private static void epilogue(Job j, int nb, int g, int p0, int p1) {
        if (j.base == null && j.alpha == 1f) return;
        long plane = planeFloats(j.ho, j.wo);
        FloatVector alpha = FloatVector.broadcast(S, j.alpha);
        for (int o = 0; o < j.outG; o++) {
            long chan = ((long) nb * j.co + (long) g * j.outG + o) * plane;
            for (long off = chan + p0 * P, end = chan + p1 * P; off < end; off += P) {
                FloatVector v = ld(j.out, off).mul(alpha);
                if (j.base != null) v = v.add(ld(j.base, off));
                v.intoArray(j.out, (int) off);
            }
        }
    }

    private static FloatVector bc(float[] w, long idx) { return FloatVector.broadcast(S, w[(int) (idx)]); }

    private static FloatVector ld(float[] m, long off) { return FloatVector.fromArray(S, m, (int) (off)); }

    // ------------------------------------------------------------------------------------ 3x3, stride 1, pad 1

    private static void runK3Row(Job j, int nb, int g, int y) {
        int o = 0;
        for (; o + 4 <= j.outG; o += 4) {
            int x = 0;
            for (; x + 4 <= j.wo; x += 4) k3o4x4(j, nb, g, o, y, x);
            for (; x < j.wo; x++) for (int t = 0; t < 4; t++) generic(j, nb, g, o + t, y, x);
        }
        for (; o < j.outG; o++) {
            int x = 0;
            for (; x + 4 <= j.wo; x += 4) k3o1x4(j, nb, g, o, y, x);
            for (; x < j.wo; x++) generic(j, nb, g, o, y, x);
        }
    }

    private static void k3o4x4(Job j, int nb, int g, int o0, int y, int x) {
        final float[] in = j.in, w = j.w;
        final int wi = j.wi, hi = j.hi;
        final long plane = planeFloats(hi, wi), rowB = (long) wi * P;
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane + x * P;
        final long sO = j.sO, sT = j.sT;
        final long wBase = g * j.wGroupStride + j.wOff + o0 * sO;
        final int ky0 = Math.max(0, 1 - y), ky1 = Math.min(3, hi + 1 - y);
        final boolean left = x > 0, right = x + 4 < wi;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        for (int i = 0; i < j.inG; i++) {
            long chan = inBase + i * plane;
            long wi0 = wBase + i * j.sI;
            for (int ky = ky0; ky < ky1; ky++) {
                long r = chan + (y + ky - 1) * rowB - P;
                long t = wi0 + 3L * ky * sT;
                // kx is a loop, not unrolled: unrolled, the body overflows C2's inlining node budget and the
                // vectors of the calls left out of line get boxed (10x slower)
                for (int kx = 0; kx < 3; kx++, r += P, t += sT) {
                    FloatVector v0 = kx > 0 || left ? ld(in, r) : z;
                    FloatVector v1 = ld(in, r + P), v2 = ld(in, r + 2 * P);
                    FloatVector v3 = kx < 2 || right ? ld(in, r + 3 * P) : z;
                    FloatVector w0 = bc(w, t), w1 = bc(w, t + sO), w2 = bc(w, t + 2 * sO), w3 = bc(w, t + 3 * sO);
                    a00 = v0.fma(w0, a00); a01 = v1.fma(w0, a01); a02 = v2.fma(w0, a02); a03 = v3.fma(w0, a03);
                    a10 = v0.fma(w1, a10); a11 = v1.fma(w1, a11); a12 = v2.fma(w1, a12); a13 = v3.fma(w1, a13);
                    a20 = v0.fma(w2, a20); a21 = v1.fma(w2, a21); a22 = v2.fma(w2, a22); a23 = v3.fma(w2, a23);
                    a30 = v0.fma(w3, a30); a31 = v1.fma(w3, a31); a32 = v2.fma(w3, a32); a33 = v3.fma(w3, a33);
                }
            }
        }
        long oplane = planeFloats(j.ho, j.wo);
        long o = ((long) nb * j.co + (long) g * j.outG + o0) * oplane + ((long) y * j.wo + x) * P;
        a00.intoArray(j.out, (int) (o)); a01.intoArray(j.out, (int) (o + P)); a02.intoArray(j.out, (int) (o + 2 * P)); a03.intoArray(j.out, (int) (o + 3 * P));
        o += oplane;
        a10.intoArray(j.out, (int) (o)); a11.intoArray(j.out, (int) (o + P)); a12.intoArray(j.out, (int) (o + 2 * P)); a13.intoArray(j.out, (int) (o + 3 * P));
        o += oplane;
        a20.intoArray(j.out, (int) (o)); a21.intoArray(j.out, (int) (o + P)); a22.intoArray(j.out, (int) (o + 2 * P)); a23.intoArray(j.out, (int) (o + 3 * P));
        o += oplane;
        a30.intoArray(j.out, (int) (o)); a31.intoArray(j.out, (int) (o + P)); a32.intoArray(j.out, (int) (o + 2 * P)); a33.intoArray(j.out, (int) (o + 3 * P));
    }

    private static void k3o1x4(Job j, int nb, int g, int o0, int y, int x) {
        final float[] in = j.in, w = j.w;
        final int wi = j.wi, hi = j.hi;
        final long plane = planeFloats(hi, wi), rowB = (long) wi * P;
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane + x * P;
        final long sT = j.sT;
        final long wBase = g * j.wGroupStride + j.wOff + o0 * j.sO;
        final int ky0 = Math.max(0, 1 - y), ky1 = Math.min(3, hi + 1 - y);
        final boolean left = x > 0, right = x + 4 < wi;
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
        for (int i = 0; i < j.inG; i++) {
            long chan = inBase + i * plane;
            long wi0 = wBase + i * j.sI;
            for (int ky = ky0; ky < ky1; ky++) {
                long r = chan + (y + ky - 1) * rowB;
                FloatVector v0 = left ? ld(in, r - P) : z;
                FloatVector v1 = ld(in, r), v2 = ld(in, r + P), v3 = ld(in, r + 2 * P), v4 = ld(in, r + 3 * P);
                FloatVector v5 = right ? ld(in, r + 4 * P) : z;
                long t = wi0 + 3L * ky * sT;
                FloatVector w0 = bc(w, t), w1 = bc(w, t + sT), w2 = bc(w, t + 2 * sT);
                a0 = v0.fma(w0, a0); a1 = v1.fma(w0, a1); a2 = v2.fma(w0, a2); a3 = v3.fma(w0, a3);
                a0 = v1.fma(w1, a0); a1 = v2.fma(w1, a1); a2 = v3.fma(w1, a2); a3 = v4.fma(w1, a3);
                a0 = v2.fma(w2, a0); a1 = v3.fma(w2, a1); a2 = v4.fma(w2, a2); a3 = v5.fma(w2, a3);
            }
        }
        long o = ((long) nb * j.co + (long) g * j.outG + o0) * planeFloats(j.ho, j.wo) + ((long) y * j.wo + x) * P;
        a0.intoArray(j.out, (int) (o)); a1.intoArray(j.out, (int) (o + P)); a2.intoArray(j.out, (int) (o + 2 * P)); a3.intoArray(j.out, (int) (o + 3 * P));
    }

    // ------------------------------------------------------------------------------------ 3x3, stride 2, pad 1

    private static void runK3S2Row(Job j, int nb, int g, int y) {
        int o4 = 0;
        for (; o4 + 4 <= j.outG; o4 += 4) {
            int x = 0;
            for (; x + 2 <= j.wo; x += 2) k3s2o4x2(j, nb, g, o4, y, x);
            for (; x < j.wo; x++) for (int t = 0; t < 4; t++) generic(j, nb, g, o4 + t, y, x);
        }
        for (int o = o4; o < j.outG; o++) {
            int x = 0;
            for (; x + 4 <= j.wo; x += 4) k3s2o1x4(j, nb, g, o, y, x);
            for (; x < j.wo; x++) generic(j, nb, g, o, y, x);
        }
    }

    /** 4 output channels x 2 pixels, stride 2: per kernel row, 5 input vectors (2x-1 .. 2x+3) feed 24 FMAs. */
    private static void k3s2o4x2(Job j, int nb, int g, int o0, int y, int x) {
        final float[] in = j.in, w = j.w;
        final int wi = j.wi, hi = j.hi;
        final long plane = planeFloats(hi, wi), rowB = (long) wi * P;
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane + (2L * x - 1) * P;
        final long sT = j.sT, sO = j.sO;
        final long wBase = g * j.wGroupStride + j.wOff + o0 * sO;
        final int ky0 = Math.max(0, 1 - 2 * y), ky1 = Math.min(3, hi + 1 - 2 * y);
        final boolean left = x > 0, right = 2 * x + 3 < wi;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
        for (int i = 0; i < j.inG; i++) {
            long chan = inBase + i * plane;
            long wi0 = wBase + i * j.sI;
            for (int ky = ky0; ky < ky1; ky++) {
                long r = chan + (2L * y + ky - 1) * rowB;
                FloatVector v0 = left ? ld(in, r) : z;
                FloatVector v1 = ld(in, r + P), v2 = ld(in, r + 2 * P), v3 = ld(in, r + 3 * P);
                FloatVector v4 = right ? ld(in, r + 4 * P) : z;
                long t = wi0 + 3L * ky * sT;
                for (int kx = 0; kx < 3; kx++, t += sT) {
                    FloatVector lo = kx == 0 ? v0 : kx == 1 ? v1 : v2, hi2 = kx == 0 ? v2 : kx == 1 ? v3 : v4;
                    FloatVector w0 = bc(w, t), w1 = bc(w, t + sO), w2 = bc(w, t + 2 * sO), w3 = bc(w, t + 3 * sO);
                    a00 = lo.fma(w0, a00); a01 = hi2.fma(w0, a01);
                    a10 = lo.fma(w1, a10); a11 = hi2.fma(w1, a11);
                    a20 = lo.fma(w2, a20); a21 = hi2.fma(w2, a21);
                    a30 = lo.fma(w3, a30); a31 = hi2.fma(w3, a31);
                }
            }
        }
        long oplane = planeFloats(j.ho, j.wo);
        long o = ((long) nb * j.co + (long) g * j.outG + o0) * oplane + ((long) y * j.wo + x) * P;
        a00.intoArray(j.out, (int) (o)); a01.intoArray(j.out, (int) (o + P));
        a10.intoArray(j.out, (int) (o + oplane)); a11.intoArray(j.out, (int) (o + oplane + P));
        a20.intoArray(j.out, (int) (o + 2 * oplane)); a21.intoArray(j.out, (int) (o + 2 * oplane + P));
        a30.intoArray(j.out, (int) (o + 3 * oplane)); a31.intoArray(j.out, (int) (o + 3 * oplane + P));
    }

    /** Four output pixels of one channel: per kernel row, 9 input vectors (2x-1 .. 2x+7) feed 12 FMAs. */
    private static void k3s2o1x4(Job j, int nb, int g, int o0, int y, int x) {
        final float[] in = j.in, w = j.w;
        final int wi = j.wi, hi = j.hi;
        final long plane = planeFloats(hi, wi), rowB = (long) wi * P;
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane + (2L * x - 1) * P;
        final long sT = j.sT;
        final long wBase = g * j.wGroupStride + j.wOff + o0 * j.sO;
        final int ky0 = Math.max(0, 1 - 2 * y), ky1 = Math.min(3, hi + 1 - 2 * y);
        final boolean left = x > 0, right = 2 * x + 7 < wi;
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
        for (int i = 0; i < j.inG; i++) {
            long chan = inBase + i * plane;
            long wi0 = wBase + i * j.sI;
            for (int ky = ky0; ky < ky1; ky++) {
                long r = chan + (2L * y + ky - 1) * rowB;
                FloatVector v0 = left ? ld(in, r) : z;
                FloatVector v1 = ld(in, r + P), v2 = ld(in, r + 2 * P), v3 = ld(in, r + 3 * P), v4 = ld(in, r + 4 * P);
                FloatVector v5 = ld(in, r + 5 * P), v6 = ld(in, r + 6 * P), v7 = ld(in, r + 7 * P);
                FloatVector v8 = right ? ld(in, r + 8 * P) : z;
                long t = wi0 + 3L * ky * sT;
                FloatVector w0 = bc(w, t), w1 = bc(w, t + sT), w2 = bc(w, t + 2 * sT);
                a0 = v0.fma(w0, a0); a1 = v2.fma(w0, a1); a2 = v4.fma(w0, a2); a3 = v6.fma(w0, a3);
                a0 = v1.fma(w1, a0); a1 = v3.fma(w1, a1); a2 = v5.fma(w1, a2); a3 = v7.fma(w1, a3);
                a0 = v2.fma(w2, a0); a1 = v4.fma(w2, a1); a2 = v6.fma(w2, a2); a3 = v8.fma(w2, a3);
            }
        }
        long o = ((long) nb * j.co + (long) g * j.outG + o0) * planeFloats(j.ho, j.wo) + ((long) y * j.wo + x) * P;
        a0.intoArray(j.out, (int) (o)); a1.intoArray(j.out, (int) (o + P)); a2.intoArray(j.out, (int) (o + 2 * P)); a3.intoArray(j.out, (int) (o + 3 * P));
    }

    // ------------------------------------------------------------------------------------ 1x1, stride 1

    /**
     * Output pixels {@code p0 .. p1} of one row band; the input pixel of output pixel p is
     * {@code inShift + (p - p0) * stride + p0} (stride 1: the same flat index; stride 2: every second pixel of the row).
     */
    private static void runK1(Job j, int nb, int g, int p0, int p1, long inShift, int stride) {
        int o = 0;
        for (; o + 4 <= j.outG; o += 4) {
            int p = p0;
            for (; p + 4 <= p1; p += 4) k1o4x4(j, nb, g, o, p, inShift + p0 + (long) (p - p0) * stride, stride);
            for (; p < p1; p++) for (int t = 0; t < 4; t++) k1o1(j, nb, g, o + t, p, inShift + p0 + (long) (p - p0) * stride);
        }
        for (; o < j.outG; o++) for (int p = p0; p < p1; p++) k1o1(j, nb, g, o, p, inShift + p0 + (long) (p - p0) * stride);
    }

    private static void k1o4x4(Job j, int nb, int g, int o0, int p, long inPix, int stride) {
        final float[] in = j.in, w = j.w;
        final long plane = planeFloats(j.hi, j.wi), step = stride * P;
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane + inPix * P;
        final long sO = j.sO;
        final long wBase = g * j.wGroupStride + j.wOff + o0 * sO;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        for (int i = 0; i < j.inG; i++) {
            long r = inBase + i * plane;
            FloatVector v0 = ld(in, r), v1 = ld(in, r + step), v2 = ld(in, r + 2 * step), v3 = ld(in, r + 3 * step);
            long t = wBase + i * j.sI;
            FloatVector w0 = bc(w, t), w1 = bc(w, t + sO), w2 = bc(w, t + 2 * sO), w3 = bc(w, t + 3 * sO);
            a00 = v0.fma(w0, a00); a01 = v1.fma(w0, a01); a02 = v2.fma(w0, a02); a03 = v3.fma(w0, a03);
            a10 = v0.fma(w1, a10); a11 = v1.fma(w1, a11); a12 = v2.fma(w1, a12); a13 = v3.fma(w1, a13);
            a20 = v0.fma(w2, a20); a21 = v1.fma(w2, a21); a22 = v2.fma(w2, a22); a23 = v3.fma(w2, a23);
            a30 = v0.fma(w3, a30); a31 = v1.fma(w3, a31); a32 = v2.fma(w3, a32); a33 = v3.fma(w3, a33);
        }
        long oplane = planeFloats(j.ho, j.wo);
        long o = ((long) nb * j.co + (long) g * j.outG + o0) * oplane + p * P;
        a00.intoArray(j.out, (int) (o)); a01.intoArray(j.out, (int) (o + P)); a02.intoArray(j.out, (int) (o + 2 * P)); a03.intoArray(j.out, (int) (o + 3 * P));
        o += oplane;
        a10.intoArray(j.out, (int) (o)); a11.intoArray(j.out, (int) (o + P)); a12.intoArray(j.out, (int) (o + 2 * P)); a13.intoArray(j.out, (int) (o + 3 * P));
        o += oplane;
        a20.intoArray(j.out, (int) (o)); a21.intoArray(j.out, (int) (o + P)); a22.intoArray(j.out, (int) (o + 2 * P)); a23.intoArray(j.out, (int) (o + 3 * P));
        o += oplane;
        a30.intoArray(j.out, (int) (o)); a31.intoArray(j.out, (int) (o + P)); a32.intoArray(j.out, (int) (o + 2 * P)); a33.intoArray(j.out, (int) (o + 3 * P));
    }

    private static void k1o1(Job j, int nb, int g, int o0, int p, long inPix) {
        final long plane = planeFloats(j.hi, j.wi);
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane + inPix * P;
        final long wBase = g * j.wGroupStride + j.wOff + o0 * j.sO;
        FloatVector a = FloatVector.zero(S);
        for (int i = 0; i < j.inG; i++) a = ld(j.in, inBase + i * plane).fma(bc(j.w, wBase + i * j.sI), a);
        a.intoArray(j.out, (int) (((long) nb * j.co + (long) g * j.outG + o0) * planeFloats(j.ho, j.wo) + p * P));
    }

    // ------------------------------------------------------------------------------------ any shape, one pixel

    /** One output pixel of one channel, any kernel, stride and padding: the fallback and the tail kernel. */
    static void generic(Job j, int nb, int g, int o, int y, int x) {
        final long plane = planeFloats(j.hi, j.wi);
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane;
        final long wBase = g * j.wGroupStride + j.wOff + o * j.sO;
        final int k = j.k;
        FloatVector a = FloatVector.zero(S);
        for (int ky = 0; ky < k; ky++) {
            int iy = y * j.stride + ky - j.pad;
            if (iy < 0 || iy >= j.hi) continue;
            for (int kx = 0; kx < k; kx++) {
                int ix = x * j.stride + kx - j.pad;
                if (ix < 0 || ix >= j.wi) continue;
                long pos = inBase + ((long) iy * j.wi + ix) * P;
                long t = wBase + (ky * k + kx) * j.sT;
                for (int i = 0; i < j.inG; i++) a = ld(j.in, pos + i * plane).fma(bc(j.w, t + i * j.sI), a);
            }
        }
        a.intoArray(j.out, (int) (((long) nb * j.co + (long) g * j.outG + o) * planeFloats(j.ho, j.wo) + ((long) y * j.wo + x) * P));
    }

    // =====================================================================================  input gradient, any stride

    /**
     * {@code dx = base + alpha * conv^T(dy)} for strides other than 1 (a gather over the output pixels that read
     * each input pixel, so no two threads write the same element).
     */
    static void backwardDataStrided(ConvParams p, float[] dy, float[] w, float[] dx,
                                    float[] base, float alpha, int nBlocks, Parallel par) {
        if (p.k() == 3 && p.stride() == 2 && p.pad() == 1) {
            if (p.cinPerGroup() % 4 == 0) backwardDataK3S2Tiled(p, dy, w, dx, base, alpha, nBlocks, par);
            else if (p.cinPerGroup() == 1) backwardDataK3S2Depthwise(p, dy, w, dx, base, alpha, nBlocks, par);
            else backwardDataK3S2(p, dy, w, dx, base, alpha, nBlocks, par);
            return;
        }
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup(), k = p.k(), s = p.stride(), pad = p.pad();
        final int ho = p.oh(), wo = p.ow(), h = p.h(), wd = p.w();
        final long dyPlane = planeFloats(ho, wo), dxPlane = planeFloats(h, wd);
        final int kk = k * k;
        int items = nBlocks * p.cin();
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int nb = it / p.cin(), c = it % p.cin();
                int g = c / inG, i = c % inG;
                long dyBase = ((long) nb * p.cout() + (long) g * outG) * dyPlane;
                long wBase = (long) g * outG * inG * kk + (long) i * kk;
                long dxChan = ((long) nb * p.cin() + c) * dxPlane;
                for (int iy = 0; iy < h; iy++) {
                    for (int ix = 0; ix < wd; ix++) {
                        FloatVector a = FloatVector.zero(S);
                        for (int ky = 0; ky < k; ky++) {
                            int ty = iy + pad - ky;
                            if (ty < 0 || ty % s != 0 || ty / s >= ho) continue;
                            int oy = ty / s;
                            for (int kx = 0; kx < k; kx++) {
                                int tx = ix + pad - kx;
                                if (tx < 0 || tx % s != 0 || tx / s >= wo) continue;
                                int ox = tx / s;
                                long pos = dyBase + ((long) oy * wo + ox) * P;
                                long wt = wBase + ky * k + kx;
                                for (int o = 0; o < outG; o++) {
                                    a = ld(dy, pos + o * dyPlane).fma(bc(w, wt + (long) o * inG * kk), a);
                                }
                            }
                        }
                        long off = dxChan + ((long) iy * wd + ix) * P;
                        FloatVector v = base == null ? a.mul(alpha) : a.fma(FloatVector.broadcast(S, alpha), ld(base, off));
                        v.intoArray(dx, (int) (off));
                    }
                }
            }
        });
    }

    /**
     * The input gradient of a 3x3 stride-2 convolution: an input pixel is read by 1, 2 or 4 output pixels
     * depending on the parity of its coordinates. Each input pixel gathers exactly four (tap, pixel) pairs whose
     * missing members get weight 0 and a clamped, valid address, so the inner loop has no branches.
     */
    private static void backwardDataK3S2(ConvParams p, float[] dy, float[] w, float[] dx, float[] base,
                                         float alpha, int nBlocks, Parallel par) {
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup();
        final int ho = p.oh(), wo = p.ow(), h = p.h(), wd = p.w();
        final long dyPlane = planeFloats(ho, wo), dxPlane = planeFloats(h, wd);
        final FloatVector alphaV = FloatVector.broadcast(S, alpha);
        int items = nBlocks * p.cin();
        par.forRange(items, (from, to, t) -> {
            int[] ky = new int[2], oy = new int[2], kx = new int[2], ox = new int[2];
            boolean[] yOk = new boolean[2], xOk = new boolean[2];
            float[] wt = new float[4 * outG];
            for (int it = from; it < to; it++) {
                int nb = it / p.cin(), c = it % p.cin();
                int g = c / inG, i = c % inG;
                long dyBase = ((long) nb * p.cout() + (long) g * outG) * dyPlane;
                long wBase = (long) g * outG * inG * 9 + (long) i * 9;
                long dxChan = ((long) nb * p.cin() + c) * dxPlane;
                for (int iy = 0; iy < h; iy++) {
                    taps(iy, ho, ky, oy, yOk);
                    for (int ix = 0; ix < wd; ix++) {
                        taps(ix, wo, kx, ox, xOk);
                        for (int o = 0; o < outG; o++) {
                            long wo0 = wBase + (long) o * inG * 9;
                            for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) {
                                wt[o * 4 + a * 2 + b] = yOk[a] && xOk[b] ? w[(int) (wo0 + ky[a] * 3 + kx[b])] : 0f;
                            }
                        }
                        long p00 = ((long) oy[0] * wo + ox[0]) * P, p01 = ((long) oy[0] * wo + ox[1]) * P;
                        long p10 = ((long) oy[1] * wo + ox[0]) * P, p11 = ((long) oy[1] * wo + ox[1]) * P;
                        FloatVector acc = FloatVector.zero(S);
                        for (int o = 0; o < outG; o++) {
                            long d = dyBase + o * dyPlane;
                            acc = ld(dy, d + p00).fma(FloatVector.broadcast(S, wt[o * 4]), acc);
                            acc = ld(dy, d + p01).fma(FloatVector.broadcast(S, wt[o * 4 + 1]), acc);
                            acc = ld(dy, d + p10).fma(FloatVector.broadcast(S, wt[o * 4 + 2]), acc);
                            acc = ld(dy, d + p11).fma(FloatVector.broadcast(S, wt[o * 4 + 3]), acc);
                        }
                        long off = dxChan + ((long) iy * wd + ix) * P;
                        FloatVector v = base == null ? acc.mul(alphaV) : acc.fma(alphaV, ld(base, off));
                        v.intoArray(dx, (int) off);
                    }
                }
            }
        });
    }

    /**
     * The stride-2 input gradient for 4 input channels x 4 input pixels at a time: in a row of fixed parity, pixels
     * 2b and 2b+2 read tap 1 of outputs b and b+1, pixels 2b+1 and 2b+3 read taps 0 and 2 of outputs b+1, b and
     * b+2, b+1; so per output channel and kernel row 3 dy vectors and 12 weights feed 24 FMAs.
     */
    private static void backwardDataK3S2Tiled(ConvParams p, float[] dy, float[] w, float[] dx, float[] base,
                                              float alpha, int nBlocks, Parallel par) {
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup(), ho = p.oh(), wo = p.ow(), h = p.h(), wd = p.w();
        final long dyPlane = planeFloats(ho, wo), dxPlane = planeFloats(h, wd);
        final FloatVector alphaV = FloatVector.broadcast(S, alpha);
        final int tiles = inG / 4;
        int items = nBlocks * p.groups() * tiles;
        par.forRange(items, (from, to, t) -> {
            int[] ky = new int[2], oy = new int[2], kx = new int[2], ox = new int[2];
            boolean[] yOk = new boolean[2], xOk = new boolean[2];
            for (int it = from; it < to; it++) {
                int nb = it / (p.groups() * tiles), g = (it / tiles) % p.groups(), i0 = (it % tiles) * 4;
                long dyBase = ((long) nb * p.cout() + (long) g * outG) * dyPlane;
                long dxBase = ((long) nb * p.cin() + (long) g * inG + i0) * dxPlane;
                long wBase = (long) g * outG * inG * 9 + (long) i0 * 9;
                for (int iy = 0; iy < h; iy++) {
                    taps(iy, ho, ky, oy, yOk);
                    int ix = 0;
                    for (; ix + 4 <= wd; ix += 4) {
                        s2Quad(dy, w, dx, base, alphaV, dyBase, dxBase, wBase, inG, outG, wo, wd, dyPlane, dxPlane,
                                iy, ix, ky, oy, yOk);
                    }
                    for (; ix < wd; ix++) {
                        taps(ix, wo, kx, ox, xOk);
                        for (int tt = 0; tt < 4; tt++) {
                            FloatVector acc = FloatVector.zero(S);
                            for (int o = 0; o < outG; o++) {
                                long d = dyBase + o * dyPlane, wo0 = wBase + (long) o * inG * 9 + tt * 9;
                                for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) {
                                    if (!yOk[a] || !xOk[b]) continue;
                                    acc = ld(dy, d + ((long) oy[a] * wo + ox[b]) * P).fma(bc(w, wo0 + ky[a] * 3 + kx[b]), acc);
                                }
                            }
                            long off = dxBase + tt * dxPlane + ((long) iy * wd + ix) * P;
                            FloatVector v = base == null ? acc.mul(alphaV) : acc.fma(alphaV, ld(base, off));
                            v.intoArray(dx, (int) off);
                        }
                    }
                }
            }
        });
    }

    /**
     * The stride-2 input gradient of a depthwise convolution (any channel multiplier): the 9 weights of an output
     * channel stay in registers for the whole plane; per 4 input pixels of a row, 3 dy vectors per kernel row feed
     * 6 FMAs. Memory-bound: dx is written once per output channel of the group (once for multiplier 1).
     */
    private static void backwardDataK3S2Depthwise(ConvParams p, float[] dy, float[] w, float[] dx, float[] base,
                                                  float alpha, int nBlocks, Parallel par) {
        final int outG = p.coutPerGroup(), ho = p.oh(), wo = p.ow(), h = p.h(), wd = p.w();
        final long dyPlane = planeFloats(ho, wo), dxPlane = planeFloats(h, wd);
        final FloatVector alphaV = FloatVector.broadcast(S, alpha);
        par.forRange(nBlocks * p.cin(), (from, to, t) -> {
            int[] ky = new int[2], oy = new int[2], kx = new int[2], ox = new int[2];
            boolean[] yOk = new boolean[2], xOk = new boolean[2];
            for (int it = from; it < to; it++) {
                int nb = it / p.cin(), c = it % p.cin();
                long dxChan = ((long) nb * p.cin() + c) * dxPlane;
                for (int o = 0; o < outG; o++) {
                    long dyChan = ((long) nb * p.cout() + (long) c * outG + o) * dyPlane;
                    long wb = ((long) c * outG + o) * 9;
                    float[] wk = new float[9];
                    for (int q = 0; q < 9; q++) wk[q] = w[(int) (wb + q)];
                    // first output channel writes (base + alpha*acc or alpha*acc), later ones add alpha*acc
                    float[] b0 = o == 0 ? base : dx;
                    for (int iy = 0; iy < h; iy++) {
                        taps(iy, ho, ky, oy, yOk);
                        int ix = 0;
                        for (; ix + 4 <= wd; ix += 4) dwS2Quad(dy, dx, b0, o == 0 && base == null, alphaV, dyChan, dxChan, wo, wd, iy, ix, ky, oy, yOk, wk);
                        for (; ix < wd; ix++) {
                            taps(ix, wo, kx, ox, xOk);
                            FloatVector acc = FloatVector.zero(S);
                            for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) {
                                if (!yOk[a] || !xOk[b]) continue;
                                acc = ld(dy, dyChan + ((long) oy[a] * wo + ox[b]) * P).fma(FloatVector.broadcast(S, wk[ky[a] * 3 + kx[b]]), acc);
                            }
                            long off = dxChan + ((long) iy * wd + ix) * P;
                            FloatVector v = o == 0 && base == null ? acc.mul(alphaV) : acc.fma(alphaV, ld(b0, off));
                            v.intoArray(dx, (int) off);
                        }
                    }
                }
            }
        });
    }

    private static void dwS2Quad(float[] dy, float[] dx, float[] base, boolean noBase, FloatVector alphaV, long dyChan,
                                 long dxChan, int wo, int wd, int iy, int ix, int[] ky, int[] oy, boolean[] yOk, float[] wk) {
        final int b = ix / 2;
        final boolean third = b + 2 < wo;
        FloatVector z = FloatVector.zero(S), a0 = z, a1 = z, a2 = z, a3 = z;
        for (int r = 0; r < 2; r++) {
            if (!yOk[r]) continue;
            long row = dyChan + ((long) oy[r] * wo + b) * P;
            FloatVector d0 = ld(dy, row), d1 = ld(dy, row + P), d2 = third ? ld(dy, row + 2 * P) : z;
            int k0 = ky[r] * 3;
            FloatVector w0 = FloatVector.broadcast(S, wk[k0]), w1 = FloatVector.broadcast(S, wk[k0 + 1]), w2 = FloatVector.broadcast(S, wk[k0 + 2]);
            a0 = d0.fma(w1, a0); a1 = d1.fma(w0, d0.fma(w2, a1)); a2 = d1.fma(w1, a2); a3 = d2.fma(w0, d1.fma(w2, a3));
        }
        long off = dxChan + ((long) iy * wd + ix) * P;
        if (noBase) {
            a0.mul(alphaV).intoArray(dx, (int) off);
            a1.mul(alphaV).intoArray(dx, (int) (off + P));
            a2.mul(alphaV).intoArray(dx, (int) (off + 2 * P));
            a3.mul(alphaV).intoArray(dx, (int) (off + 3 * P));
        } else {
            a0.fma(alphaV, ld(base, off)).intoArray(dx, (int) off);
            a1.fma(alphaV, ld(base, off + P)).intoArray(dx, (int) (off + P));
            a2.fma(alphaV, ld(base, off + 2 * P)).intoArray(dx, (int) (off + 2 * P));
            a3.fma(alphaV, ld(base, off + 3 * P)).intoArray(dx, (int) (off + 3 * P));
        }
    }

    private static void s2Quad(float[] dy, float[] w, float[] dx, float[] base, FloatVector alphaV, long dyBase,
                               long dxBase, long wBase, int inG, int outG, int wo, int wd, long dyPlane, long dxPlane,
                               int iy, int ix, int[] ky, int[] oy, boolean[] yOk) {
        final int b = ix / 2; // ix is a multiple of 4: pixels 2b, 2b+1, 2b+2, 2b+3
        final boolean third = b + 2 < wo;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        final long sI = 9, sO = (long) inG * 9;
        for (int r = 0; r < 2; r++) {
            if (!yOk[r]) continue;
            long row = dyBase + (long) oy[r] * wo * P + b * P;
            long wRow = wBase + ky[r] * 3;
            for (int o = 0; o < outG; o++, row += dyPlane, wRow += sO) {
                FloatVector d0 = ld(dy, row), d1 = ld(dy, row + P), d2 = third ? ld(dy, row + 2 * P) : z;
                // channel t: taps (kx = 0, 1, 2) at w[wRow + t*9 + kx]
                FloatVector w0 = bc(w, wRow), w1 = bc(w, wRow + 1), w2 = bc(w, wRow + 2);
                a00 = d0.fma(w1, a00); a01 = d1.fma(w0, d0.fma(w2, a01)); a02 = d1.fma(w1, a02); a03 = d2.fma(w0, d1.fma(w2, a03));
                w0 = bc(w, wRow + sI); w1 = bc(w, wRow + sI + 1); w2 = bc(w, wRow + sI + 2);
                a10 = d0.fma(w1, a10); a11 = d1.fma(w0, d0.fma(w2, a11)); a12 = d1.fma(w1, a12); a13 = d2.fma(w0, d1.fma(w2, a13));
                w0 = bc(w, wRow + 2 * sI); w1 = bc(w, wRow + 2 * sI + 1); w2 = bc(w, wRow + 2 * sI + 2);
                a20 = d0.fma(w1, a20); a21 = d1.fma(w0, d0.fma(w2, a21)); a22 = d1.fma(w1, a22); a23 = d2.fma(w0, d1.fma(w2, a23));
                w0 = bc(w, wRow + 3 * sI); w1 = bc(w, wRow + 3 * sI + 1); w2 = bc(w, wRow + 3 * sI + 2);
                a30 = d0.fma(w1, a30); a31 = d1.fma(w0, d0.fma(w2, a31)); a32 = d1.fma(w1, a32); a33 = d2.fma(w0, d1.fma(w2, a33));
            }
        }
        long off = dxBase + ((long) iy * wd + ix) * P;
        s2Store(dx, base, alphaV, off, a00, a01, a02, a03);
        s2Store(dx, base, alphaV, off + dxPlane, a10, a11, a12, a13);
        s2Store(dx, base, alphaV, off + 2 * dxPlane, a20, a21, a22, a23);
        s2Store(dx, base, alphaV, off + 3 * dxPlane, a30, a31, a32, a33);
    }

    private static void s2Store(float[] dx, float[] base, FloatVector alphaV, long off, FloatVector a0, FloatVector a1,
                                FloatVector a2, FloatVector a3) {
        if (base == null) {
            a0.mul(alphaV).intoArray(dx, (int) off);
            a1.mul(alphaV).intoArray(dx, (int) (off + P));
            a2.mul(alphaV).intoArray(dx, (int) (off + 2 * P));
            a3.mul(alphaV).intoArray(dx, (int) (off + 3 * P));
        } else {
            a0.fma(alphaV, ld(base, off)).intoArray(dx, (int) off);
            a1.fma(alphaV, ld(base, off + P)).intoArray(dx, (int) (off + P));
            a2.fma(alphaV, ld(base, off + 2 * P)).intoArray(dx, (int) (off + 2 * P));
            a3.fma(alphaV, ld(base, off + 3 * P)).intoArray(dx, (int) (off + 3 * P));
        }
    }

    /**
     * For input coordinate {@code i} of a 3x3 stride-2 pad-1 convolution with {@code n} outputs: the (tap, output)
     * pairs that read it, at most two; a missing pair is marked invalid and given a safe output index.
     */
    private static void taps(int i, int n, int[] k, int[] o, boolean[] ok) {
        if ((i & 1) == 0) {               // even: only tap 1 reads it, from output i/2
            k[0] = 1; o[0] = i / 2; ok[0] = o[0] < n;
            k[1] = 1; o[1] = o[0]; ok[1] = false;
        } else {                          // odd: tap 0 from output (i+1)/2 and tap 2 from output (i-1)/2
            k[0] = 0; o[0] = (i + 1) / 2; ok[0] = o[0] < n;
            k[1] = 2; o[1] = (i - 1) / 2; ok[1] = o[1] < n;
        }
        if (!ok[0]) o[0] = Math.min(o[0], n - 1);
        if (!ok[1]) o[1] = Math.min(o[1], n - 1);
        if (!ok[0] && ok[1]) o[0] = o[1];
    }

    // =====================================================================================  weight gradient

    /**
     * {@code dw = (accumulate ? dw : 0) + alpha * sum over images and pixels of dy * x}. Threads own disjoint
     * output-channel tiles, so there is no reduction between threads; per tile the sums run over batch blocks in
     * the outer loop (the tile of dy stays in L2 while all input channels stream past) and are kept in double.
     */
    static void backwardWeights(ConvParams p, float[] x, float[] dy, float[] dw, float alpha,
                                boolean accumulate, int nBlocks, Parallel par) {
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup(), kk = p.k() * p.k();
        final boolean k3 = p.k() == 3 && p.stride() == 1 && p.pad() == 1;
        final boolean k3s2 = p.k() == 3 && p.stride() == 2 && p.pad() == 1;
        final boolean k1 = p.k() == 1 && p.pad() == 0 && inG % 4 == 0;
        final int tile = (k3 || k3s2 || k1) && outG % 4 == 0 ? 4 : 1;
        final int tilesPerGroup = outG / tile;
        // Batch blocks summed in registers before one lane reduction: all of them when the tile's dy planes of the
        // whole batch stay in cache (small images: the reductions would otherwise dominate at 4x4), else one at a time
        // so that the dy tile of one block stays in L2 while every input channel streams past.
        long bytesPerBlock = 4L * (tile * planeFloats(p.oh(), p.ow()) + planeFloats(p.h(), p.w()));
        final int chunk = (int) Math.max(1, Math.min(nBlocks, (256 << 10) / bytesPerBlock));
        int items = p.groups() * tilesPerGroup;
        par.forRange(items, (from, to, t) -> {
            double[] part = new double[tile * inG * kk];
            for (int it = from; it < to; it++) {
                int g = it / tilesPerGroup, o0 = (it % tilesPerGroup) * tile;
                java.util.Arrays.fill(part, 0);
                for (int nb0 = 0; nb0 < nBlocks; nb0 += chunk) {
                    int nb1 = Math.min(nBlocks, nb0 + chunk);
                    if (k1 && tile == 4) {
                        for (int i = 0; i < inG; i += 4) dwK1o4i4(p, x, dy, nb0, nb1, g, o0, i, part);
                        continue;
                    }
                    for (int i = 0; i < inG; i++) {
                        if (k3 && tile == 4) dwK3o4(p, x, dy, nb0, nb1, g, o0, i, part);
                        else if (k3s2 && tile == 4) dwK3S2o4(p, x, dy, nb0, nb1, g, o0, i, part);
                        else if (k3) dwK3o1(p, x, dy, nb0, nb1, g, o0, i, part);
                        else if (k3s2) dwK3S2o1(p, x, dy, nb0, nb1, g, o0, i, part);
                        else dwGeneric(p, x, dy, nb0, nb1, g, o0, i, part);
                    }
                }
                for (int ot = 0; ot < tile; ot++) {
                    for (int i = 0; i < inG; i++) {
                        for (int tap = 0; tap < kk; tap++) {
                            long idx = (((long) g * outG + o0 + ot) * inG + i) * kk + tap;
                            float v = (float) (alpha * part[(ot * inG + i) * kk + tap]);
                            dw[(int) (idx)] = accumulate ? dw[(int) (idx)] + v : v;
                        }
                    }
                }
            }
        });
    }

    /**
     * Adds the lane sums of {@code n} accumulators spilled to {@code red} (slot k at {@code k*L}) to
     * {@code part[index(k)]}, where slot {@code k = t*3 + kx} maps to {@code base + t*st + kx}. The kernels spill
     * their vectors with {@code intoArray} instead of passing them to a method: a vector argument of a call that C2
     * does not inline is boxed, and in a model, where one dispatch site sees every kernel, that made the weight
     * gradient 3x slower. Lanes are added in a fixed order, so results do not depend on the JIT.
     */
    private static void addSpilled(float[] red, int n, double[] part, int base, int st) {
        for (int k = 0; k < n; k++) {
            double sum = 0;
            for (int l = 0, o = k * L; l < L; l++) sum += red[o + l];
            part[base + (k / 3) * st + k % 3] += sum;
        }
    }

    /** Stride 2: a tile of 4 output channels x 3 taps of one kernel row; the input window slides by two. */
    private static void dwK3S2o4(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
                                 double[] part) {
        final int h = p.h(), wd = p.w(), ho = p.oh(), wo = p.ow(), inG = p.cinPerGroup();
        final long xPlane = planeFloats(h, wd), dyPlane = planeFloats(ho, wo), xRow = (long) wd * P, dRow = (long) wo * P;
        FloatVector z = FloatVector.zero(S);
        for (int ky = 0; ky < 3; ky++) {
            FloatVector a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z;
            FloatVector a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
            for (int nb = nb0; nb < nb1; nb++) {
                final long xChan = ((long) nb * p.cin() + (long) g * inG + i) * xPlane;
                final long dyT = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * dyPlane;
                for (int y = 0; y < ho; y++) {
                    int iy = 2 * y + ky - 1;
                    if (iy < 0 || iy >= h) continue;
                    long xr = xChan + iy * xRow, dr = dyT + y * dRow;
                    FloatVector l = z, c = ld(x, xr), r = wd > 1 ? ld(x, xr + P) : z;
                    for (int xx = 0; xx < wo; xx++) {
                        long d = dr + xx * P;
                        FloatVector d0 = ld(dy, d), d1 = ld(dy, d + dyPlane), d2 = ld(dy, d + 2 * dyPlane), d3 = ld(dy, d + 3 * dyPlane);
                        a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                        a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                        a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                        a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
                        int nx = 2 * xx + 2;
                        l = r;
                        c = nx < wd ? ld(x, xr + nx * P) : z;
                        r = nx + 1 < wd ? ld(x, xr + (nx + 1) * P) : z;
                    }
                }
            }
            float[] red = new float[12 * L];
            a00.intoArray(red, 0); a01.intoArray(red, L); a02.intoArray(red, 2 * L);
            a10.intoArray(red, 3 * L); a11.intoArray(red, 4 * L); a12.intoArray(red, 5 * L);
            a20.intoArray(red, 6 * L); a21.intoArray(red, 7 * L); a22.intoArray(red, 8 * L);
            a30.intoArray(red, 9 * L); a31.intoArray(red, 10 * L); a32.intoArray(red, 11 * L);
            addSpilled(red, 12, part, i * 9 + ky * 3, inG * 9);
        }
    }

    /** Tile of 4 output channels x 3 taps of one kernel row, sliding a 3-vector window along each input row. */
    private static void dwK3o4(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
                               double[] part) {
        final int h = p.h(), wd = p.w(), inG = p.cinPerGroup();
        final long plane = planeFloats(h, wd), rowB = (long) wd * P;
        FloatVector z = FloatVector.zero(S);
        for (int ky = 0; ky < 3; ky++) {
            FloatVector a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z;
            FloatVector a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
            int y0 = Math.max(0, 1 - ky), y1 = Math.min(h, h + 1 - ky);
            for (int nb = nb0; nb < nb1; nb++) {
                final long xChan = ((long) nb * p.cin() + (long) g * inG + i) * plane;
                final long dyT = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * plane;
                for (int y = y0; y < y1; y++) {
                    long xr = xChan + (y + ky - 1) * rowB;
                    long dr = dyT + y * rowB;
                    FloatVector l = z, c = ld(x, xr), r = wd > 1 ? ld(x, xr + P) : z;
                    for (int xx = 0; xx < wd; xx++) {
                        long d = dr + xx * P;
                        FloatVector d0 = ld(dy, d), d1 = ld(dy, d + plane), d2 = ld(dy, d + 2 * plane), d3 = ld(dy, d + 3 * plane);
                        a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                        a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                        a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                        a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
                        l = c; c = r;
                        r = xx + 2 < wd ? ld(x, xr + (xx + 2) * P) : z;
                    }
                }
            }
            float[] red = new float[12 * L];
            a00.intoArray(red, 0); a01.intoArray(red, L); a02.intoArray(red, 2 * L);
            a10.intoArray(red, 3 * L); a11.intoArray(red, 4 * L); a12.intoArray(red, 5 * L);
            a20.intoArray(red, 6 * L); a21.intoArray(red, 7 * L); a22.intoArray(red, 8 * L);
            a30.intoArray(red, 9 * L); a31.intoArray(red, 10 * L); a32.intoArray(red, 11 * L);
            addSpilled(red, 12, part, i * 9 + ky * 3, inG * 9);
        }
    }

    /** 1x1 (any stride): a 4 x 4 tile of (output, input) channel pairs, 8 loads per 16 FMAs. */
    private static void dwK1o4i4(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i0, double[] part) {
        final int h = p.h(), wd = p.w(), ho = p.oh(), wo = p.ow(), s = p.stride(), inG = p.cinPerGroup();
        final long xPlane = planeFloats(h, wd), dyPlane = planeFloats(ho, wo);
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        for (int nb = nb0; nb < nb1; nb++)
        for (int y = 0; y < ho; y++) {
            final long xc = ((long) nb * p.cin() + (long) g * inG + i0) * xPlane;
            final long dc = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * dyPlane;
            for (int xx = 0; xx < wo; xx++) {
                long d = dc + ((long) y * wo + xx) * P, q = xc + ((long) y * s * wd + (long) xx * s) * P;
                FloatVector d0 = ld(dy, d), d1 = ld(dy, d + dyPlane), d2 = ld(dy, d + 2 * dyPlane), d3 = ld(dy, d + 3 * dyPlane);
                FloatVector x0 = ld(x, q), x1 = ld(x, q + xPlane), x2 = ld(x, q + 2 * xPlane), x3 = ld(x, q + 3 * xPlane);
                a00 = d0.fma(x0, a00); a01 = d0.fma(x1, a01); a02 = d0.fma(x2, a02); a03 = d0.fma(x3, a03);
                a10 = d1.fma(x0, a10); a11 = d1.fma(x1, a11); a12 = d1.fma(x2, a12); a13 = d1.fma(x3, a13);
                a20 = d2.fma(x0, a20); a21 = d2.fma(x1, a21); a22 = d2.fma(x2, a22); a23 = d2.fma(x3, a23);
                a30 = d3.fma(x0, a30); a31 = d3.fma(x1, a31); a32 = d3.fma(x2, a32); a33 = d3.fma(x3, a33);
            }
        }
        float[] red = new float[16 * L];
        a00.intoArray(red, 0); a01.intoArray(red, L); a02.intoArray(red, 2 * L); a03.intoArray(red, 3 * L);
        a10.intoArray(red, 4 * L); a11.intoArray(red, 5 * L); a12.intoArray(red, 6 * L); a13.intoArray(red, 7 * L);
        a20.intoArray(red, 8 * L); a21.intoArray(red, 9 * L); a22.intoArray(red, 10 * L); a23.intoArray(red, 11 * L);
        a30.intoArray(red, 12 * L); a31.intoArray(red, 13 * L); a32.intoArray(red, 14 * L); a33.intoArray(red, 15 * L);
        for (int k = 0; k < 16; k++) {
            double sum = 0;
            for (int l = 0, o = k * L; l < L; l++) sum += red[o + l];
            part[(k / 4) * inG + i0 + k % 4] += sum; // part index (ot * inG + i) * kk with kk = 1
        }
    }

    /** One output channel x 9 taps, three sliding windows (one per kernel row). */
    private static void dwK3o1(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
                               double[] part) {
        final int h = p.h(), wd = p.w(), inG = p.cinPerGroup();
        final long plane = planeFloats(h, wd), rowB = (long) wd * P;
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z;
        for (int nb = nb0; nb < nb1; nb++)
        for (int y = 0; y < h; y++) {
            final long xChan = ((long) nb * p.cin() + (long) g * inG + i) * plane;
            final long dyC = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * plane;
            boolean up = y > 0, down = y + 1 < h;
            long xm = xChan + (y - 1) * rowB, x0 = xChan + y * rowB, xp = xChan + (y + 1) * rowB;
            FloatVector ul = z, uc = up ? ld(x, xm) : z, ur = up && wd > 1 ? ld(x, xm + P) : z;
            FloatVector ml = z, mc = ld(x, x0), mr = wd > 1 ? ld(x, x0 + P) : z;
            FloatVector dl = z, dc = down ? ld(x, xp) : z, dr = down && wd > 1 ? ld(x, xp + P) : z;
            long drow = dyC + y * rowB;
            for (int xx = 0; xx < wd; xx++) {
                FloatVector d = ld(dy, drow + xx * P);
                a0 = d.fma(ul, a0); a1 = d.fma(uc, a1); a2 = d.fma(ur, a2);
                a3 = d.fma(ml, a3); a4 = d.fma(mc, a4); a5 = d.fma(mr, a5);
                a6 = d.fma(dl, a6); a7 = d.fma(dc, a7); a8 = d.fma(dr, a8);
                boolean more = xx + 2 < wd;
                long nx = (xx + 2) * P;
                ul = uc; uc = ur; ur = up && more ? ld(x, xm + nx) : z;
                ml = mc; mc = mr; mr = more ? ld(x, x0 + nx) : z;
                dl = dc; dc = dr; dr = down && more ? ld(x, xp + nx) : z;
            }
        }
        float[] red = new float[9 * L];
        a0.intoArray(red, 0); a1.intoArray(red, L); a2.intoArray(red, 2 * L);
        a3.intoArray(red, 3 * L); a4.intoArray(red, 4 * L); a5.intoArray(red, 5 * L);
        a6.intoArray(red, 6 * L); a7.intoArray(red, 7 * L); a8.intoArray(red, 8 * L);
        addSpilled(red, 9, part, i * 9, 3);
    }

    /** Stride 2, one output channel x 9 taps: three row windows sliding by two input pixels per output pixel. */
    private static void dwK3S2o1(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
                                 double[] part) {
        final int h = p.h(), wd = p.w(), ho = p.oh(), wo = p.ow(), inG = p.cinPerGroup();
        final long xPlane = planeFloats(h, wd), dyPlane = planeFloats(ho, wo), xRow = (long) wd * P;
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z;
        for (int nb = nb0; nb < nb1; nb++) {
            final long xChan = ((long) nb * p.cin() + (long) g * inG + i) * xPlane;
            final long dyC = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * dyPlane;
            for (int y = 0; y < ho; y++) {
                int iy = 2 * y;
                boolean up = iy - 1 >= 0, mid = iy < h, down = iy + 1 < h;
                long xm = xChan + (iy - 1) * xRow, x0 = xChan + iy * xRow, xp = xChan + (iy + 1) * xRow;
                FloatVector ul = z, uc = up ? ld(x, xm) : z, ur = up && wd > 1 ? ld(x, xm + P) : z;
                FloatVector ml = z, mc = mid ? ld(x, x0) : z, mr = mid && wd > 1 ? ld(x, x0 + P) : z;
                FloatVector dl = z, dc = down ? ld(x, xp) : z, dr = down && wd > 1 ? ld(x, xp + P) : z;
                long drow = dyC + (long) y * wo * P;
                for (int xx = 0; xx < wo; xx++) {
                    FloatVector d = ld(dy, drow + xx * P);
                    a0 = d.fma(ul, a0); a1 = d.fma(uc, a1); a2 = d.fma(ur, a2);
                    a3 = d.fma(ml, a3); a4 = d.fma(mc, a4); a5 = d.fma(mr, a5);
                    a6 = d.fma(dl, a6); a7 = d.fma(dc, a7); a8 = d.fma(dr, a8);
                    int nx = 2 * xx + 2;
                    boolean c1 = nx < wd, c2 = nx + 1 < wd;
                    long o1 = nx * P, o2 = (nx + 1) * P;
                    ul = ur; uc = up && c1 ? ld(x, xm + o1) : z; ur = up && c2 ? ld(x, xm + o2) : z;
                    ml = mr; mc = mid && c1 ? ld(x, x0 + o1) : z; mr = mid && c2 ? ld(x, x0 + o2) : z;
                    dl = dr; dc = down && c1 ? ld(x, xp + o1) : z; dr = down && c2 ? ld(x, xp + o2) : z;
                }
            }
        }
        float[] red = new float[9 * L];
        a0.intoArray(red, 0); a1.intoArray(red, L); a2.intoArray(red, 2 * L);
        a3.intoArray(red, 3 * L); a4.intoArray(red, 4 * L); a5.intoArray(red, 5 * L);
        a6.intoArray(red, 6 * L); a7.intoArray(red, 7 * L); a8.intoArray(red, 8 * L);
        addSpilled(red, 9, part, i * 9, 3);
    }

    /** Any kernel, stride and padding: one tap at a time, two accumulators. */
    private static void dwGeneric(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
                                  double[] part) {
        final int h = p.h(), wd = p.w(), ho = p.oh(), wo = p.ow(), k = p.k(), s = p.stride(), pad = p.pad();
        final int inG = p.cinPerGroup();
        final long xPlane = planeFloats(h, wd), dyPlane = planeFloats(ho, wo);
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                FloatVector a = FloatVector.zero(S), b = FloatVector.zero(S);
                for (int nb = nb0; nb < nb1; nb++)
                for (int y = 0; y < ho; y++) {
                    final long xChan = ((long) nb * p.cin() + (long) g * inG + i) * xPlane;
                    final long dyC = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * dyPlane;
                    int iy = y * s + ky - pad;
                    if (iy < 0 || iy >= h) continue;
                    int x0 = 0;
                    while (x0 < wo && x0 * s + kx - pad < 0) x0++;
                    int x1 = wo;
                    while (x1 > x0 && (x1 - 1) * s + kx - pad >= wd) x1--;
                    long xr = xChan + (long) iy * wd * P, dr = dyC + (long) y * wo * P;
                    int xx = x0;
                    for (; xx + 1 < x1; xx += 2) {
                        a = ld(dy, dr + xx * P).fma(ld(x, xr + (long) (xx * s + kx - pad) * P), a);
                        b = ld(dy, dr + (xx + 1) * P).fma(ld(x, xr + (long) ((xx + 1) * s + kx - pad) * P), b);
                    }
                    if (xx < x1) a = ld(dy, dr + xx * P).fma(ld(x, xr + (long) (xx * s + kx - pad) * P), a);
                }
                float[] red = new float[L];
                a.add(b).intoArray(red, 0);
                double sum = 0;
                for (int l = 0; l < L; l++) sum += red[l];
                part[i * k * k + ky * k + kx] += sum;
            }
        }
    }
}
