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
 * 3x3 (stride 1 or 2, pad 1) with fewer than 4 output channels per group: depthwise convolutions, with or without
 * a channel multiplier, and the leftover channels of the 4-channel kernels. Memory-bound: one output channel x 4
 * pixels in the forward pass; the stride-2 input gradient keeps the 9 weights of an output channel in registers for
 * the whole plane; the weight gradient is one output channel x 9 taps with three sliding row windows.
 */
final class ConvDepthwise {
    private ConvDepthwise() { }

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward("3x3 depthwise: 1 channel x 4 pixels",
            j -> j.is3x3(1) || j.is3x3(2), ConvDepthwise::band);

    static final ConvDispatch.BackwardData BACKWARD_DATA_S2 = new ConvDispatch.BackwardData(
            "3x3 s2 depthwise: register-resident weights", p -> ConvJob.is3x3(p, 2) && p.cinPerGroup() == 1, false,
            ConvDepthwise::backwardDataS2);

    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS = new ConvDispatch.BackwardWeights(
            "3x3 depthwise: 1 channel x 9 taps", p -> ConvJob.is3x3(p, 1) || ConvJob.is3x3(p, 2), 1,
            (p, x, dy, nb0, nb1, g, o0, part) -> {
                for (int i = 0; i < p.cinPerGroup(); i++) {
                    if (p.stride() == 1) dwK3o1(p, x, dy, nb0, nb1, g, o0, i, part);
                    else dwK3S2o1(p, x, dy, nb0, nb1, g, o0, i, part);
                }
            });

    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        for (int y = y0; y < y1; y++) {
            if (j.stride == 1) rowK3(j, nb, g, 0, y);
            else rowK3S2(j, nb, g, 0, y);
            epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
        }
    }

    /** Output channels {@code o0 .. outG} of row y, 3x3 stride 1, one channel at a time. */
    static void rowK3(ConvJob j, int nb, int g, int o0, int y) {
        for (int o = o0; o < j.outG; o++) {
            int x = 0;
            for (; x + 4 <= j.wo; x += 4) k3o1x4(j, nb, g, o, y, x);
            for (; x < j.wo; x++) ConvGeneric.pixel(j, nb, g, o, y, x);
        }
    }

    /** Output channels {@code o0 .. outG} of row y, 3x3 stride 2, one channel at a time. */
    static void rowK3S2(ConvJob j, int nb, int g, int o0, int y) {
        for (int o = o0; o < j.outG; o++) {
            int x = 0;
            for (; x + 4 <= j.wo; x += 4) k3s2o1x4(j, nb, g, o, y, x);
            for (; x < j.wo; x++) ConvGeneric.pixel(j, nb, g, o, y, x);
        }
    }

    static void k3o1x4(ConvJob j, int nb, int g, int o0, int y, int x) {
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

    /** Four output pixels of one channel: per kernel row, 9 input vectors (2x-1 .. 2x+7) feed 12 FMAs. */
    static void k3s2o1x4(ConvJob j, int nb, int g, int o0, int y, int x) {
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

    /**
     * The stride-2 input gradient of a depthwise convolution (any channel multiplier): the 9 weights of an output
     * channel stay in registers for the whole plane; per 4 input pixels of a row, 3 dy vectors per kernel row feed
     * 6 FMAs. Memory-bound: dx is written once per output channel of the group (once for multiplier 1).
     */
    static void backwardDataS2(ConvParams p, float[] dy, float[] w, float[] dx, float[] base,
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
                        Conv3x3S2.taps(iy, ho, ky, oy, yOk);
                        int ix = 0;
                        for (; ix + 4 <= wd; ix += 4) dwS2Quad(dy, dx, b0, o == 0 && base == null, alphaV, dyChan, dxChan, wo, wd, iy, ix, ky, oy, yOk, wk);
                        for (; ix < wd; ix++) {
                            Conv3x3S2.taps(ix, wo, kx, ox, xOk);
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

    static void dwS2Quad(float[] dy, float[] dx, float[] base, boolean noBase, FloatVector alphaV, long dyChan,
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

    /** One output channel x 9 taps, three sliding windows (one per kernel row). */
    static void dwK3o1(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
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
    static void dwK3S2o1(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
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
}
