package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import jdk.incubator.vector.FloatVector;

import static dev.mgiad.engine.cpu.ConvJob.L;
import static dev.mgiad.engine.cpu.ConvJob.P;
import static dev.mgiad.engine.cpu.ConvJob.S;
import static dev.mgiad.engine.cpu.ConvJob.bc;
import static dev.mgiad.engine.cpu.ConvJob.epilogue;
import static dev.mgiad.engine.cpu.ConvJob.ld;
import static dev.mgiad.engine.cpu.ConvJob.planeFloats;

/**
 * 3x3, stride 2, pad 1 with 4 or more channels per group (the down-sampling layers of ResNets and the multigrid
 * restrictions): forward with 4 channels x 2 pixels (per kernel row, 5 input vectors feed 24 FMAs); the input
 * gradient as a parity gather (an input pixel is read by 1, 2 or 4 output pixels depending on the parity of its
 * coordinates), tiled 4 input channels x 4 pixels where the group allows and one channel at a time otherwise; the
 * weight gradient's row kernel for the blocked driver of {@link Conv3x3S1#weightsBlocked} (4 output channels x 3
 * taps, the input window sliding by two).
 */
final class Conv3x3S2 {
    private Conv3x3S2() { }

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward("3x3 s2: 4 channels x 2 pixels",
            j -> j.is3x3(2) && j.outG >= 4, Conv3x3S2::band);

    static final ConvDispatch.BackwardData BACKWARD_DATA_TILED = new ConvDispatch.BackwardData(
            "3x3 s2: parity gather, 4 channels x 4 pixels", p -> ConvJob.is3x3(p, 2) && p.cinPerGroup() % 4 == 0, false,
            (p, dy, w, dx, base, alpha, nBlocks, algo, par) -> backwardDataTiled(p, dy, w, dx, base, alpha, nBlocks, par));

    static final ConvDispatch.BackwardData BACKWARD_DATA = new ConvDispatch.BackwardData(
            "3x3 s2: parity gather, one channel", p -> ConvJob.is3x3(p, 2), false, (p, dy, w, dx, base, alpha, nBlocks, algo, par) -> backwardData(p, dy, w, dx, base, alpha, nBlocks, par));

    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        for (int y = y0; y < y1; y++) {
            int o = 0;
            for (; o + 4 <= j.outG; o += 4) {
                int x = 0;
                for (; x + 2 <= j.wo; x += 2) k3s2o4x2(j, nb, g, o, y, x);
                for (; x < j.wo; x++) for (int t = 0; t < 4; t++) ConvGeneric.pixel(j, nb, g, o + t, y, x);
            }
            ConvDepthwise.rowK3S2(j, nb, g, o, y);
            epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
        }
    }

    /** 4 output channels x 2 pixels, stride 2: per kernel row, 5 input vectors (2x-1 .. 2x+3) feed 24 FMAs. */
    static void k3s2o4x2(ConvJob j, int nb, int g, int o0, int y, int x) {
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

    /**
     * The input gradient of a 3x3 stride-2 convolution: an input pixel is read by 1, 2 or 4 output pixels
     * depending on the parity of its coordinates. Each input pixel gathers exactly four (tap, pixel) pairs whose
     * missing members get weight 0 and a clamped, valid address, so the inner loop has no branches.
     */
    static void backwardData(ConvParams p, float[] dy, float[] w, float[] dx, float[] base,
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
    static void backwardDataTiled(ConvParams p, float[] dy, float[] w, float[] dx, float[] base,
                                              float alpha, int nBlocks, Parallel par) {
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup(), ho = p.oh(), wo = p.ow(), h = p.h(), wd = p.w();
        final long dyPlane = planeFloats(ho, wo), dxPlane = planeFloats(h, wd);
        final FloatVector alphaV = FloatVector.broadcast(S, alpha);
        final int tiles = inG / 4;
        int items = nBlocks * p.groups() * tiles;
        par.forRange(items, (from, to, t) -> {
            int[] ky = new int[2], oy = new int[2], kx = new int[2], ox = new int[2];
            boolean[] yOk = new boolean[2], xOk = new boolean[2];
            float[] sums = new float[16 * L];
            for (int it = from; it < to; it++) {
                int nb = it / (p.groups() * tiles), g = (it / tiles) % p.groups(), i0 = (it % tiles) * 4;
                long dyBase = ((long) nb * p.cout() + (long) g * outG) * dyPlane;
                long dxBase = ((long) nb * p.cin() + (long) g * inG + i0) * dxPlane;
                long wBase = (long) g * outG * inG * 9 + (long) i0 * 9;
                for (int iy = 0; iy < h; iy++) {
                    taps(iy, ho, ky, oy, yOk);
                    int ix = 0;
                    for (; ix + 4 <= wd; ix += 4) {
                        s2Quad(dy, w, dx, base, alpha, sums, dyBase, dxBase, wBase, inG, outG, wo, wd, dyPlane, dxPlane,
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

    static void s2Quad(float[] dy, float[] w, float[] dx, float[] base, float alpha, float[] sums, long dyBase,
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
        // The sums go to a per-thread scratch and a separate method applies dx = alpha * sums + base: written here,
        // or in a helper taking the vectors, the epilogue's calls went over C2's inlining node budget and were
        // left out of line, which boxed the sums (the kernel ran at 5% of the peak instead of 35-45%).
        a00.intoArray(sums, 0); a01.intoArray(sums, L); a02.intoArray(sums, 2 * L); a03.intoArray(sums, 3 * L);
        a10.intoArray(sums, 4 * L); a11.intoArray(sums, 5 * L); a12.intoArray(sums, 6 * L); a13.intoArray(sums, 7 * L);
        a20.intoArray(sums, 8 * L); a21.intoArray(sums, 9 * L); a22.intoArray(sums, 10 * L); a23.intoArray(sums, 11 * L);
        a30.intoArray(sums, 12 * L); a31.intoArray(sums, 13 * L); a32.intoArray(sums, 14 * L); a33.intoArray(sums, 15 * L);
        s2Finish(sums, dx, base, alpha, dxBase + ((long) iy * wd + ix) * P, dxPlane);
    }

    /** {@code dx = alpha * sums + base} for the 4 channels x 4 pixels of a quad ({@code sums[channel][pixel][L]}). */
    private static void s2Finish(float[] sums, float[] dx, float[] base, float alpha, long off, long dxPlane) {
        FloatVector al = FloatVector.broadcast(S, alpha);
        for (int t = 0; t < 4; t++) {
            for (int q = 0; q < 4; q++) {
                long o = off + t * dxPlane + q * P;
                FloatVector v = FloatVector.fromArray(S, sums, (t * 4 + q) * L);
                // each side stores its own result: no vector merges at a join (see s2Quad)
                if (base == null) v.mul(al).intoArray(dx, (int) o);
                else v.fma(al, ld(base, o)).intoArray(dx, (int) o);
            }
        }
    }

    /**
     * For input coordinate {@code i} of a 3x3 stride-2 pad-1 convolution with {@code n} outputs: the (tap, output)
     * pairs that read it, at most two; a missing pair is marked invalid and given a safe output index.
     */
    static void taps(int i, int n, int[] k, int[] o, boolean[] ok) {
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

    /**
     * The stride-2 row kernel of the blocked weight gradient ({@link Conv3x3S1#weightsBlocked}, which drives both
     * strides): channels c0..c0+4 of the dy panel x 3 taps of kernel row ky, output rows y0..y1 of blocks
     * nb0..nb1; the input window slides by two. 12 vector sums loaded from acc[a..], stored back.
     */
    static void dwRows(ConvParams p, float[] x, float[] pan, int nb0, int nb1, int g, int i, int ky,
                       int y0, int y1, int tile, int c0, float[] acc, int a) {
        final int h = p.h(), wd = p.w(), wo = p.ow(), inG = p.cinPerGroup();
        final long plane = planeFloats(h, wd), rowB = (long) wd * P;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = ld(acc, a), a01 = ld(acc, a + L), a02 = ld(acc, a + 2 * L);
        FloatVector a10 = ld(acc, a + 3 * L), a11 = ld(acc, a + 4 * L), a12 = ld(acc, a + 5 * L);
        FloatVector a20 = ld(acc, a + 6 * L), a21 = ld(acc, a + 7 * L), a22 = ld(acc, a + 8 * L);
        FloatVector a30 = ld(acc, a + 9 * L), a31 = ld(acc, a + 10 * L), a32 = ld(acc, a + 11 * L);
        for (int nb = nb0; nb < nb1; nb++)
        for (int y = Math.max(y0, (2 - ky) / 2), ye = Math.min(y1, Math.floorDiv(h - ky, 2) + 1); y < ye; y++) {
            final long xChan = ((long) nb * p.cin() + (long) g * inG + i) * plane;
            long xr = xChan + (2L * y + ky - 1) * rowB;
            int d = Simd.ALIGN + (((nb - nb0) * (y1 - y0) + (y - y0)) * wo * tile + c0) * L;
            FloatVector l = z, c = ld(x, xr), r = wd > 1 ? ld(x, xr + P) : z;
            for (int xx = 0; xx < wo; xx++, d += tile * L) {
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
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
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L);
        a10.intoArray(acc, a + 3 * L); a11.intoArray(acc, a + 4 * L); a12.intoArray(acc, a + 5 * L);
        a20.intoArray(acc, a + 6 * L); a21.intoArray(acc, a + 7 * L); a22.intoArray(acc, a + 8 * L);
        a30.intoArray(acc, a + 9 * L); a31.intoArray(acc, a + 10 * L); a32.intoArray(acc, a + 11 * L);
    }
}
