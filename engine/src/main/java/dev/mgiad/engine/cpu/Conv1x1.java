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
 * of output channels x pixels; the stride-1 input gradient through {@link ConvDispatch#AS_FORWARD}, the strided one
 * as the same forward kernel on the transposed weight into the sampled pixels ({@link #BACKWARD_DATA_STRIDED}); the
 * weight gradient as 4 x 4 tiles of (output, input) channel pairs, 8 loads per 16 FMAs, over L2-sized pixel chunks
 * that every output tile of a thread passes over ({@link #weightsChunked}).
 */
final class Conv1x1 {
    private Conv1x1() { }

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward("1x1: 4 channels x 4 pixels",
            j -> j.k == 1 && j.pad == 0, Conv1x1::band);

    /**
     * Measured 2026-12-02 (AMD EPYC Zen 5, 2 threads, batch 128): the tile-per-item driver this replaced ran the
     * weight gradient at 16-37 GFLOP/s, because each output tile streamed every input channel of the batch from
     * beyond L2 (x read cout/4 times from memory); here each thread passes all its output tiles over one L2-sized
     * chunk of x before the next.
     */
    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS = new ConvDispatch.BackwardWeights(
            "1x1: L2-sized pixel chunks, every output tile of a thread over each, 4 x 4 channel pairs",
            (p, algo) -> p.k() == 1 && p.pad() == 0 && p.cinPerGroup() % 4 == 0 && p.coutPerGroup() % 4 == 0,
            Conv1x1::weightsChunked);

    /**
     * Stride > 1: dx is zero except at the sampled pixels, where it is a stride-1 1x1 forward of dy with the
     * transposed weight. That forward runs into a dense buffer with the forward kernel; a pass then spreads it over
     * dx (with the zeros, alpha and the base). The generic gather it replaces ran at 16 GFLOP/s (one accumulator,
     * a latency-bound FMA chain per input pixel, the zero pixels included).
     */
    static final ConvDispatch.BackwardData BACKWARD_DATA_STRIDED = new ConvDispatch.BackwardData(
            "1x1 strided: transposed 1x1 forward at the sampled pixels, zeros between",
            p -> p.k() == 1 && p.pad() == 0 && p.stride() > 1, false, Conv1x1::backwardDataStrided);

    private static final ThreadLocal<float[]> SAMPLED = ThreadLocal.withInitial(() -> new float[0]);

    static void backwardDataStrided(ConvParams p, float[] dy, float[] w, float[] dx, float[] base, float alpha,
                                    int nBlocks, dev.mgiad.engine.backend.ConvAlgorithm algo, Parallel par) {
        final int s = p.stride(), h = p.h(), wd = p.w(), ho = p.oh(), wo = p.ow(), cin = p.cin();
        final long dense = planeFloats(ho, wo), plane = planeFloats(h, wd);
        int n = (int) (nBlocks * cin * dense);
        float[] sampled = SAMPLED.get();
        if (sampled.length < n) { sampled = new float[n]; SAMPLED.set(sampled); }
        ConvJob j = ConvJob.backwardData(p, dy, w, sampled, null, 1f, nBlocks, algo);
        j.ho = ho; j.wo = wo; // the sampled pixels only: the stride-1 forward of dy with the transposed weight
        ConvDispatch.forward(j, par);
        final float[] src = sampled;
        par.forRange(nBlocks * cin, (from, to, t) -> {
            FloatVector a = FloatVector.broadcast(S, alpha), z = FloatVector.zero(S);
            for (int it = from; it < to; it++) {
                long chan = (long) it * plane, sChan = (long) it * dense;
                for (int iy = 0; iy < h; iy++) {
                    boolean sampledRow = iy % s == 0 && iy / s < ho;
                    for (int ix = 0; ix < wd; ix++) {
                        long off = chan + ((long) iy * wd + ix) * P;
                        FloatVector v = sampledRow && ix % s == 0 && ix / s < wo
                                ? ld(src, sChan + ((long) (iy / s) * wo + ix / s) * P).mul(a) : z;
                        if (base != null) v = v.add(ld(base, off));
                        v.intoArray(dx, (int) off);
                    }
                }
            }
        });
    }

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

    /** Bytes of x one pixel chunk of the weight gradient may take: it stays in L2 while every output tile passes. */
    static final int CHUNK_X_BYTES = 256 << 10;

    /** Output rows per chunk of the weight gradient: their x rows, all input channels of a group, fit the budget. */
    static int chunkRows(ConvParams p) {
        long rowBytes = (long) p.cinPerGroup() * p.w() * p.stride() * L * 4;
        return (int) Math.max(1, Math.min(p.oh(), CHUNK_X_BYTES / rowBytes));
    }

    private static final ThreadLocal<float[]> PAIR_SUMS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Each thread takes a contiguous range of (group, 4-output-channel tile) items and walks the batch in chunks of
     * output rows of one block whose x rows (all the group's input channels) fit {@link #CHUNK_X_BYTES}; per chunk
     * every item and input tile adds to its 16 vector sums (kept in a per-thread buffer between chunks). The lanes
     * are summed once at the end, in a fixed order.
     */
    static void weightsChunked(ConvParams p, float[] x, float[] dy, float[] dw, float alpha, boolean accumulate,
                               int nBlocks, Parallel par) {
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup(), ho = p.oh();
        final int tiles = outG / 4, items = p.groups() * tiles, iTiles = inG / 4;
        final int rows = chunkRows(p);
        // one grain per thread: a thread's items share each chunk of x while it is in L2
        par.forRange(items, par.threads(), (from, to, t) -> {
            final int n = (to - from) * iTiles * 16 * L;
            float[] acc = PAIR_SUMS.get();
            if (acc.length < n) { acc = new float[n]; PAIR_SUMS.set(acc); }
            java.util.Arrays.fill(acc, 0, n, 0f);
            for (int nb = 0; nb < nBlocks; nb++) {
                for (int y0 = 0; y0 < ho; y0 += rows) {
                    int y1 = Math.min(ho, y0 + rows);
                    for (int it = from; it < to; it++) {
                        int g = it / tiles, o0 = (it % tiles) * 4;
                        for (int i = 0; i < iTiles; i++) {
                            dwK1o4i4(p, x, dy, nb, y0, y1, g, o0, i * 4, acc, ((it - from) * iTiles + i) * 16 * L);
                        }
                    }
                }
            }
            for (int it = from; it < to; it++) {
                int g = it / tiles, o0 = (it % tiles) * 4;
                for (int i = 0; i < iTiles; i++) {
                    int a = ((it - from) * iTiles + i) * 16 * L;
                    for (int k = 0; k < 16; k++) {
                        int idx = (g * outG + o0 + k / 4) * inG + i * 4 + k % 4;
                        float v = (float) (alpha * (double) Lanes.sum(ld(acc, a + k * L)));
                        dw[idx] = accumulate ? dw[idx] + v : v;
                    }
                }
            }
        });
    }

    /**
     * 1x1 (any stride): a 4 x 4 tile of (output, input) channel pairs over output rows y0..y1 of block nb, 8 loads
     * per 16 FMAs; the 16 vector sums are loaded from and stored back to {@code acc[a..]}.
     */
    static void dwK1o4i4(ConvParams p, float[] x, float[] dy, int nb, int y0, int y1, int g, int o0, int i0,
                         float[] acc, int a) {
        final int h = p.h(), wd = p.w(), ho = p.oh(), wo = p.ow(), s = p.stride(), inG = p.cinPerGroup();
        final long xPlane = planeFloats(h, wd), dyPlane = planeFloats(ho, wo);
        FloatVector a00 = ld(acc, a), a01 = ld(acc, a + L), a02 = ld(acc, a + 2 * L), a03 = ld(acc, a + 3 * L);
        FloatVector a10 = ld(acc, a + 4 * L), a11 = ld(acc, a + 5 * L), a12 = ld(acc, a + 6 * L), a13 = ld(acc, a + 7 * L);
        FloatVector a20 = ld(acc, a + 8 * L), a21 = ld(acc, a + 9 * L), a22 = ld(acc, a + 10 * L), a23 = ld(acc, a + 11 * L);
        FloatVector a30 = ld(acc, a + 12 * L), a31 = ld(acc, a + 13 * L), a32 = ld(acc, a + 14 * L), a33 = ld(acc, a + 15 * L);
        final long xc = ((long) nb * p.cin() + (long) g * inG + i0) * xPlane;
        final long dc = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * dyPlane;
        for (int y = y0; y < y1; y++) {
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
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L); a03.intoArray(acc, a + 3 * L);
        a10.intoArray(acc, a + 4 * L); a11.intoArray(acc, a + 5 * L); a12.intoArray(acc, a + 6 * L); a13.intoArray(acc, a + 7 * L);
        a20.intoArray(acc, a + 8 * L); a21.intoArray(acc, a + 9 * L); a22.intoArray(acc, a + 10 * L); a23.intoArray(acc, a + 11 * L);
        a30.intoArray(acc, a + 12 * L); a31.intoArray(acc, a + 13 * L); a32.intoArray(acc, a + 14 * L); a33.intoArray(acc, a + 15 * L);
    }
}
