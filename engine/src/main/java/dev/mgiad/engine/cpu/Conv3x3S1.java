package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import jdk.incubator.vector.FloatVector;

import static dev.mgiad.engine.cpu.ConvJob.L;
import static dev.mgiad.engine.cpu.ConvJob.P;
import static dev.mgiad.engine.cpu.ConvJob.S;
import static dev.mgiad.engine.cpu.ConvJob.addSpilled;
import static dev.mgiad.engine.cpu.ConvJob.bc;
import static dev.mgiad.engine.cpu.ConvJob.epilogue;
import static dev.mgiad.engine.cpu.ConvJob.ld;
import static dev.mgiad.engine.cpu.ConvJob.planeFloats;

/**
 * 3x3, stride 1, pad 1 with 4 or more output channels per group (dense and grouped g_s >= 4): forward, input
 * gradient (the same kernel on the transposed, flipped weight, see {@link ConvDispatch#AS_FORWARD}) and weight
 * gradient.
 *
 * <p>Forward: 4 channels x 4 pixels of accumulators, per input row and tap 4 loads and 4 broadcasts feed 16 FMAs;
 * channels beyond a multiple of 4 take the one-channel kernel of {@link ConvDepthwise}, pixels beyond a multiple of
 * 4 the one-pixel kernel of {@link ConvGeneric}. Weight gradient: a tile of 4 output channels x 3 taps of one
 * kernel row per input channel, sliding a 3-vector window along each input row.
 *
 * <p>Two JIT rules shape the code: C2 inlines only so many Vector API calls into one compilation, so no kernel
 * body is unrolled further than needed; and a vector passed to a method that is not inlined is boxed, so kernels
 * store their accumulators themselves ({@code intoArray}).
 */
final class Conv3x3S1 {
    private Conv3x3S1() { }

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward("3x3 s1: 4 channels x 4 pixels",
            j -> j.is3x3(1) && j.outG >= 4, Conv3x3S1::band);

    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS = new ConvDispatch.BackwardWeights(
            "3x3 s1: 4 channels x 3 taps", p -> ConvJob.is3x3(p, 1) && p.coutPerGroup() % 4 == 0, 4,
            (p, x, dy, nb0, nb1, g, o0, part) -> { for (int i = 0; i < p.cinPerGroup(); i++) dwK3o4(p, x, dy, nb0, nb1, g, o0, i, part); });

    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        for (int y = y0; y < y1; y++) {
            int o = 0;
            for (; o + 4 <= j.outG; o += 4) {
                int x = 0;
                for (; x + 4 <= j.wo; x += 4) k3o4x4(j, nb, g, o, y, x);
                for (; x < j.wo; x++) for (int t = 0; t < 4; t++) ConvGeneric.pixel(j, nb, g, o + t, y, x);
            }
            ConvDepthwise.rowK3(j, nb, g, o, y);
            epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
        }
    }

    static void k3o4x4(ConvJob j, int nb, int g, int o0, int y, int x) {
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

    /** Tile of 4 output channels x 3 taps of one kernel row, sliding a 3-vector window along each input row. */
    static void dwK3o4(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
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
}
