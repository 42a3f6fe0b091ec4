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
 * 1x1 convolutions, stride 1 or 2 (MGiaD's channel transfers, ResNet projection shortcuts): forward as 4 x 4 tiles
 * of output channels x pixels; the stride-1 input gradient through {@link ConvDispatch#AS_FORWARD}; the weight
 * gradient as 4 x 4 tiles of (output, input) channel pairs, 8 loads per 16 FMAs.
 */
final class Conv1x1 {
    private Conv1x1() { }

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward("1x1: 4 channels x 4 pixels",
            j -> j.k == 1 && j.pad == 0, Conv1x1::band);

    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS = new ConvDispatch.BackwardWeights(
            "1x1: 4 x 4 channel pairs",
            p -> p.k() == 1 && p.pad() == 0 && p.cinPerGroup() % 4 == 0 && p.coutPerGroup() % 4 == 0, 4,
            (p, x, dy, nb0, nb1, g, o0, part) -> { for (int i = 0; i < p.cinPerGroup(); i += 4) dwK1o4i4(p, x, dy, nb0, nb1, g, o0, i, part); });

    /** Stride 1 runs the band's pixels as one flat range; stride 2 one output row at a time. */
    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        if (j.stride == 1) {
            runK1(j, nb, g, y0 * j.wo, y1 * j.wo, 0, 1);
            epilogue(j, nb, g, y0 * j.wo, y1 * j.wo);
            return;
        }
        for (int y = y0; y < y1; y++) {
            runK1(j, nb, g, y * j.wo, (y + 1) * j.wo, (long) y * j.stride * j.wi - (long) y * j.wo, j.stride);
            epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
        }
    }

    /**
     * Output pixels {@code p0 .. p1} of one row band; the input pixel of output pixel p is
     * {@code inShift + (p - p0) * stride + p0} (stride 1: the same flat index; stride 2: every second pixel of the row).
     */
    static void runK1(ConvJob j, int nb, int g, int p0, int p1, long inShift, int stride) {
        int o = 0;
        for (; o + 4 <= j.outG; o += 4) {
            int p = p0;
            for (; p + 4 <= p1; p += 4) k1o4x4(j, nb, g, o, p, inShift + p0 + (long) (p - p0) * stride, stride);
            for (; p < p1; p++) for (int t = 0; t < 4; t++) k1o1(j, nb, g, o + t, p, inShift + p0 + (long) (p - p0) * stride);
        }
        for (; o < j.outG; o++) for (int p = p0; p < p1; p++) k1o1(j, nb, g, o, p, inShift + p0 + (long) (p - p0) * stride);
    }

    static void k1o4x4(ConvJob j, int nb, int g, int o0, int p, long inPix, int stride) {
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

    static void k1o1(ConvJob j, int nb, int g, int o0, int p, long inPix) {
        final long plane = planeFloats(j.hi, j.wi);
        final long inBase = ((long) nb * j.ci + (long) g * j.inG) * plane + inPix * P;
        final long wBase = g * j.wGroupStride + j.wOff + o0 * j.sO;
        FloatVector a = FloatVector.zero(S);
        for (int i = 0; i < j.inG; i++) a = ld(j.in, inBase + i * plane).fma(bc(j.w, wBase + i * j.sI), a);
        a.intoArray(j.out, (int) (((long) nb * j.co + (long) g * j.outG + o0) * planeFloats(j.ho, j.wo) + p * P));
    }

    /** 1x1 (any stride): a 4 x 4 tile of (output, input) channel pairs, 8 loads per 16 FMAs. */
    static void dwK1o4i4(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i0, double[] part) {
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
}
