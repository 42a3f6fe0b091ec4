package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import jdk.incubator.vector.FloatVector;
import java.util.*;

import static dev.mgiad.engine.cpu.ConvJob.*;

/**
 * The direct 3x3 weight gradient taken apart, one thread, paired in one JVM (ABAB...): the current
 * Conv3x3S1.weightsBlocked against a copy (tile -Dtile=4|8, dy chunk budget in KiB) with one piece removed or cheated,
 * to see what its time is made of. Flags: -Dnopack=true (dy packed once, not per chunk), -Dxcheat=0 (every x row read
 * from the first row of x: x in L1), -Ddcheat=0 (the dy loads hoisted out of the loop), -Dtouch=true (the next
 * chunk's new x rows read ahead, a software prefetch). Results of the cheats are wrong by design (relerr ~1).
 * Session 9, Zen 5, one thread, -XX:ObjectAlignmentInBytes=64, g_s=4 64@32x32 and 128@16x16: nopack 1.37-1.38x,
 * xcheat 1.43-1.49x, dcheat 1.13-1.21x, touch 0.96-1.09x (dense, tile 8: nopack 1.00-1.13x, xcheat 1.08-1.43x).
 * The weight gradient of small groups is bound by reading x and dy from memory once, not by its loop.
 *   JOPTS="-XX:ObjectAlignmentInBytes=64 -Dtile=4 -Dnopack=true" MAIN=dev.mgiad.engine.cpu.WgVar \
 *     docs/results/bench/session9/harness/run.sh 9 24 g16n128ic64ih32iw32oc64k3s1p1
 * args: reps budgetKiB descriptors...
 */
public class WgPre {
    static int BUDGET = 24 << 10;
    static final int TILE = Integer.getInteger("tile", 8);
    static final int DCHEAT = Integer.getInteger("dcheat", 1);
    static final boolean PACK = !Boolean.getBoolean("nopack");
    static final boolean TOUCH = Boolean.getBoolean("touch");
    static final boolean PRE = Boolean.getBoolean("pre");
    static final boolean ONLYPRE = Boolean.getBoolean("onlypre");
    static long preNs;
    static final boolean INTER = Boolean.getBoolean("inter");
    /** -Dinter: cursors over the next block's x and dy regions, one line of each touched per inner iteration. */
    static int xCur, xEnd, dCur, dEnd;
    static float sink;
    static final long XCHEAT = Long.getLong("xcheat", 1);

    public static void main(String[] a) {
        int reps = Integer.parseInt(a[0]);
        BUDGET = Integer.parseInt(a[1]) << 10;
        for (int s = 2; s < a.length; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            int nBlocks = p.n() / L;
            Random r = new Random(1);
            float[] x = new float[p.n() * p.cin() * p.h() * p.w()], dy = new float[p.n() * p.cout() * p.oh() * p.ow()];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
            double flop = 2.0 * p.n() * p.cout() * p.oh() * p.ow() * p.cinPerGroup() * 9;
            double[][] res = new double[2][];
            double[] ta = new double[reps], tb = new double[reps], ratio = new double[reps];
            for (int k = -2; k < reps; k++) {
                long t0 = System.nanoTime(); res[0] = whole(p, x, dy, nBlocks, false); long t1 = System.nanoTime();
                res[1] = whole(p, x, dy, nBlocks, true); long t2 = System.nanoTime();
                if (k >= 0) { ta[k] = (t1 - t0) * 1e-9; tb[k] = (t2 - t1) * 1e-9; ratio[k] = ta[k] / tb[k]; }
            }
            double num = 0, den = 0;
            for (int k = 0; k < res[0].length; k++) { num += Math.pow(res[0][k] - res[1][k], 2); den += res[0][k] * res[0][k]; }
            Arrays.sort(ta); Arrays.sort(tb); Arrays.sort(ratio);
            System.out.printf("pre: %.2f ms per call%n", preNs * 1e-6 / (reps + 2)); preNs = 0;
            System.out.printf("%-34s cur %7.2f ms %4.0f GF/s | var %7.2f ms %4.0f GF/s | cur/var %.2f [%.2f..%.2f] relerr %.1e%n",
                    p.descriptor(), ta[reps / 2] * 1e3, flop / ta[reps / 2] / 1e9, tb[reps / 2] * 1e3, flop / tb[reps / 2] / 1e9,
                    ratio[reps / 2], ratio[0], ratio[reps - 1], Math.sqrt(num / den));
        }
    }

    static double[] whole(ConvParams p, float[] x, float[] dy, int nBlocks, boolean variant) {
        int inG = p.cinPerGroup(), outG = p.coutPerGroup();
        double[] all = new double[p.groups() * outG * inG * 9];
        int T = TILE;
        double[] part = new double[T * inG * 9];
        for (int g = 0; g < p.groups(); g++) {
            for (int o0 = 0; o0 < outG; o0 += T) {
                Arrays.fill(part, 0);
                if (variant) weightsVariant(p, x, dy, 0, nBlocks, g, o0, part);
                else Conv3x3S1.weightsBlocked(p, x, dy, 0, nBlocks, g, o0, T, part);
                System.arraycopy(part, 0, all, (g * outG + o0) * inG * 9, part.length);
            }
        }
        return all;
    }

    static float[] acc = new float[0], pan = new float[0];

    static void weightsVariant(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, double[] part) {
        DY = dy;
        final int tile = TILE;
        final int inG = p.cinPerGroup(), ho = p.oh(), wo = p.ow(), sums = tile * 3;
        final int ib = Math.min(inG, Conv3x3S1.SUM_BLOCK), n = ib * 3 * sums * L + L;
        if (acc.length < n) acc = new float[n];
        final int budget = BUDGET / (tile * wo * L * 4);
        final int rows = Math.max(1, Math.min(ho, budget)), blocks = Math.max(1, budget / ho);
        final int panelFloats = blocks * rows * wo * tile * L;
        if (pan.length < panelFloats + L) pan = new float[panelFloats + L];
        for (int i0 = 0; i0 < inG; i0 += ib) {
            final int i1 = Math.min(inG, i0 + ib);
            Arrays.fill(acc, 0, (i1 - i0) * 3 * sums * L, 0f);
            for (int nb = nb0; nb < nb1; nb += blocks) {
                int nbe = Math.min(nb1, nb + blocks);
                if (PRE) { long q0 = System.nanoTime(); pre(p, x, dy, nb, nbe, g, o0, tile); preNs += System.nanoTime() - q0; }
                if (ONLYPRE) continue;
                if (INTER) {
                    final long plane = planeFloats(p.h(), p.w()), oplane = planeFloats(p.oh(), p.ow());
                    int nn = Math.min(nb1 - 1, nbe);
                    xCur = (int) (((long) nn * p.cin() + (long) g * p.cinPerGroup()) * plane); xEnd = xCur + (int) (p.cinPerGroup() * plane) - 16;
                    dCur = (int) (((long) nn * p.cout() + (long) g * p.coutPerGroup() + o0) * oplane); dEnd = dCur + (int) (tile * oplane) - 16;
                }
                for (int y0 = 0; y0 < ho; y0 += rows) {
                    int y1 = Math.min(ho, y0 + rows);
                    if (PACK) Conv3x3S1.packDy(dy, pan, p, nb, nbe, g, o0, tile, y0, y1);
                    for (int i = i0; i < i1; i++) {
                        if (TOUCH) touch(p, x, nb, nbe, g, i, y1, rows);
                        for (int ky = 0; ky < 3; ky++) {
                            int aa = (((i - i0) * 3 + ky) * sums) * L;
                            for (int c0 = 0; c0 < tile; c0 += 4) dwRows4(p, x, pan, nb, nbe, g, i, ky, y0, y1, tile, c0, acc, aa + c0 * 3 * L);
                        }
                    }
                }
            }
            for (int i = i0; i < i1; i++) {
                for (int ky = 0; ky < 3; ky++) {
                    int aa = (((i - i0) * 3 + ky) * sums) * L;
                    for (int k = 0; k < sums; k++) part[((k / 3) * inG + i) * 9 + ky * 3 + k % 3] += Lanes.sum(ld(acc, aa + k * L));
                }
            }
        }
    }

    static void dwRows4(ConvParams p, float[] x, float[] pan, int nb0, int nb1, int g, int i, int ky,
                               int y0, int y1, int tile, int c0, float[] acc, int a) {
        float[] dy = DY;
        int xc = xCur, xe = xEnd, dc = dCur, de = dEnd;
        float ts = 0;
        final int h = p.h(), wd = p.w(), inG = p.cinPerGroup();
        final long plane = planeFloats(h, wd), rowB = (long) wd * P;
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = ld(acc, a), a01 = ld(acc, a + L), a02 = ld(acc, a + 2 * L);
        FloatVector a10 = ld(acc, a + 3 * L), a11 = ld(acc, a + 4 * L), a12 = ld(acc, a + 5 * L);
        FloatVector a20 = ld(acc, a + 6 * L), a21 = ld(acc, a + 7 * L), a22 = ld(acc, a + 8 * L);
        FloatVector a30 = ld(acc, a + 9 * L), a31 = ld(acc, a + 10 * L), a32 = ld(acc, a + 11 * L);
        for (int nb = nb0; nb < nb1; nb++)
        for (int y = Math.max(y0, 1 - ky), ye = Math.min(y1, h + 1 - ky); y < ye; y++) {
            final long xChan = ((long) nb * p.cin() + (long) g * inG + i) * plane;
            long xr = (xChan + (y + ky - 1) * rowB) * XCHEAT;
            int d = (Simd.ALIGN + (((nb - nb0) * (y1 - y0) + (y - y0)) * wd * tile + c0) * L) * DCHEAT;
            FloatVector l = z, c = ld(x, xr), r = wd > 1 ? ld(x, xr + P) : z;
            for (int xx = 0; xx < wd; xx++, d += tile * L * DCHEAT) {
                if (INTER) { ts += x[xc] + dy[dc]; xc = Math.min(xc + 16, xe); dc = Math.min(dc + 16, de); }
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
                l = c; c = r;
                r = xx + 2 < wd ? ld(x, xr + (xx + 2) * P) : z;
            }
        }
        a00.intoArray(acc, a); a01.intoArray(acc, a + L); a02.intoArray(acc, a + 2 * L);
        a10.intoArray(acc, a + 3 * L); a11.intoArray(acc, a + 4 * L); a12.intoArray(acc, a + 5 * L);
        a20.intoArray(acc, a + 6 * L); a21.intoArray(acc, a + 7 * L); a22.intoArray(acc, a + 8 * L);
        a30.intoArray(acc, a + 9 * L); a31.intoArray(acc, a + 10 * L); a32.intoArray(acc, a + 11 * L);
        xCur = xc; dCur = dc; sink += ts;
    }
    static float[] DY;

    /** Reads one float per cache line of the rows the next chunk reads first (a software prefetch). */
    static void touch(ConvParams p, float[] x, int nb0, int nb1, int g, int i, int y1, int rows) {
        final int h = p.h(), wd = p.w();
        final long plane = planeFloats(h, wd), rowB = (long) wd * P;
        float s = 0;
        for (int nb = nb0; nb < nb1; nb++) {
            long xChan = ((long) nb * p.cin() + (long) g * p.cinPerGroup() + i) * plane;
            for (int y = y1 + 1, ye = Math.min(h, y1 + rows + 1); y < ye; y++) {
                long xr = xChan + y * rowB;
                for (int xx = 0; xx < wd; xx++) s += x[(int) (xr + xx * P)];
            }
        }
        sink += s;
    }

    /** Reads one float per cache line of x (all channels of group g) and dy (the tile), blocks nb0..nb1, in address order. */
    static void pre(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int tile) {
        final long plane = planeFloats(p.h(), p.w()), oplane = planeFloats(p.oh(), p.ow());
        float s0 = 0, s1 = 0;
        for (int nb = nb0; nb < nb1; nb++) {
            int a = (int) (((long) nb * p.cin() + (long) g * p.cinPerGroup()) * plane), ae = a + (int) (p.cinPerGroup() * plane);
            for (; a < ae; a += 32) { s0 += x[a]; s1 += x[a + 16]; }
            int b = (int) (((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * oplane), be = b + (int) (tile * oplane);
            for (; b < be; b += 32) { s0 += dy[b]; s1 += dy[b + 16]; }
        }
        sink += s0 + s1;
    }
}
