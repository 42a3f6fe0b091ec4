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
 * Any kernel size, stride and padding: the fallback of every dispatch list and the tail kernel of the specialised
 * ones. Correct for every shape, with bounds checks per tap: one output pixel of one channel in the forward pass,
 * a gather over the output pixels that read each input pixel for the input gradient (no two threads write the same
 * element), one tap at a time with two accumulators for the weight gradient.
 */
final class ConvGeneric {
    private ConvGeneric() { }

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward("generic: one pixel", j -> true, ConvGeneric::band);

    static final ConvDispatch.BackwardData BACKWARD_DATA = new ConvDispatch.BackwardData("generic: gather", p -> true,
            false, ConvGeneric::backwardData);

    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS = new ConvDispatch.BackwardWeights("generic: one tap",
            p -> true, 1, (p, x, dy, nb0, nb1, g, o0, part) -> {
                for (int i = 0; i < p.cinPerGroup(); i++) dwGeneric(p, x, dy, nb0, nb1, g, o0, i, part);
            });

    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        for (int y = y0; y < y1; y++) {
            for (int o = 0; o < j.outG; o++) for (int x = 0; x < j.wo; x++) pixel(j, nb, g, o, y, x);
            epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
        }
    }

    /** One output pixel of one channel, any kernel, stride and padding: the fallback and the tail kernel. */
    static void pixel(ConvJob j, int nb, int g, int o, int y, int x) {
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

    /**
     * {@code dx = base + alpha * conv^T(dy)} for any stride (a gather over the output pixels that read each input
     * pixel, so no two threads write the same element).
     */
    static void backwardData(ConvParams p, float[] dy, float[] w, float[] dx,
                             float[] base, float alpha, int nBlocks, Parallel par) {
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

    /** Any kernel, stride and padding: one tap at a time, two accumulators. */
    static void dwGeneric(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int i,
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
