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
 * 3x3, stride 1, pad 1 with 4 or more output channels per group (dense and grouped g_s >= 4): forward, input
 * gradient (the same kernel on the transposed, flipped weight, see {@link ConvDispatch#AS_FORWARD}) and weight
 * gradient.
 *
 * <p>Forward: 4 channels x 4 pixels of accumulators, per input row and tap 4 loads and 4 broadcasts feed 16 FMAs;
 * channels beyond a multiple of 4 take the one-channel kernel of {@link ConvDepthwise}, pixels beyond a multiple of
 * 4 the one-pixel kernel of {@link ConvGeneric}. Weight gradient (stride 1 and 2, any output tile of 4 or 8
 * channels): a tile of 4 output channels x 3 taps of one kernel row per input channel, sliding a 3-vector window
 * along each input row, over a dy panel (below).
 *
 * <p>Why the blocked variants (the forward for 16 or more input channels per group): measured on an Intel Xeon (AVX-512, 48 KiB
 * L1, 2 MiB L2 per core), the plain 4x4 kernel read its operands from L2 and beyond: the planes of consecutive
 * channels lie a power of two apart (64 KiB at 32x32), so the 16-64 channels one tile reads fall into the same L1
 * sets and evict each other, and the weight gradient streamed a 256 KiB dy tile from L2 for every input channel
 * and kernel row (5 loads per 12 FMAs). Forward and input gradient ran at 35-50% of the FMA peak of one core,
 * the weight gradient at 16-28%. The blocked forward copies the three input rows of an output row, CB channels at
 * a time, into a contiguous zero-bordered panel (18 KiB per 4-pixel tile: L1), packs the weights in the order the
 * kernel reads them, and runs every output-channel tile over the block before moving on (the LIBXSMM/oneDNN
 * direct-convolution scheme with a 4 x 4 register block): 66-70% of the one-core peak. The blocked weight gradient
 * walks the pixels in chunks whose dy fits L1 and keeps its vector sums in memory between chunks: 33-41% (from
 * 16-28%); since 2026-12-01 it first copies each chunk's dy into a panel with a pixel's channels contiguous (no L1
 * set conflicts), and drives every 3x3 s1/s2 weight gradient with 4 or 8 channels per tile (g_s = 4 1.5-2x faster
 * than the unblocked 4 x 3 kernel it replaced, CPU time of one thread on a loaded host).
 *
 * <p>Two JIT rules shape the code: C2 inlines only so many Vector API calls into one compilation, so no kernel
 * body is unrolled further than needed; and a vector passed to a method that is not inlined is boxed, so kernels
 * store their accumulators themselves ({@code intoArray}).
 */
final class Conv3x3S1 {
    private Conv3x3S1() { }

    /**
     * Input channels per block of the blocked kernel: the panel window one 4-pixel tile reads (CB channels x 3 rows
     * x 6 pixels of L floats) is 18 KiB, so it stays in L1 (32-48 KiB) while every output-channel tile passes over it.
     */
    static final int CB = 256 / L;

    /** Fewer input channels per group than this: the panel costs more than it saves, the plain kernel runs. */
    static final int MIN_BLOCKED_INPUTS = 16;

    /** One vector of zeros: the source the blocked kernel's sums start from on the first input-channel block. */
    private static final float[] ZERO = new float[L];

    /**
     * -Dmgiad.conv.blockedForward=false turns the blocked forward (and with it the stride-1 input gradient) off, for
     * A/B measurements. It was off by default for a while: inside whole models it ran 50-80x slower, because the
     * first problem to compile {@code k3Packed} decided its code (see the comment there; fixed 2026-12-01).
     */
    static final boolean BLOCKED_FORWARD = Boolean.parseBoolean(System.getProperty("mgiad.conv.blockedForward", "true"));

    static final ConvDispatch.Forward FORWARD_BLOCKED = new ConvDispatch.Forward(
            "3x3 s1 blocked: L1-sized input-channel blocks of a packed panel, 4 channels x 4 pixels",
            j -> BLOCKED_FORWARD && j.is3x3(1) && j.outG >= 4 && j.inG >= MIN_BLOCKED_INPUTS && j.wo >= 4,
            Conv3x3S1::packWeights, Conv3x3S1::bandBlocked);

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward("3x3 s1: 4 channels x 4 pixels",
            j -> j.is3x3(1) && j.outG >= 4, Conv3x3S1::band);

    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS_BLOCKED = new ConvDispatch.BackwardWeights(
            "3x3 s1/s2 blocked: L1-sized row chunks of a dy panel, 8 channels x 3 taps",
            p -> (ConvJob.is3x3(p, 1) || ConvJob.is3x3(p, 2)) && p.coutPerGroup() % 8 == 0,
            8, true, (p, x, dy, nb0, nb1, g, o0, part) -> weightsBlocked(p, x, dy, nb0, nb1, g, o0, 8, part));

    /** The same with 4 output channels per tile: grouped g_s = 4 (and any 3x3 s1/s2 with a multiple of 4). */
    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS_BLOCKED4 = new ConvDispatch.BackwardWeights(
            "3x3 s1/s2 blocked: L1-sized row chunks of a dy panel, 4 channels x 3 taps",
            p -> (ConvJob.is3x3(p, 1) || ConvJob.is3x3(p, 2)) && p.coutPerGroup() % 4 == 0,
            4, true, (p, x, dy, nb0, nb1, g, o0, part) -> weightsBlocked(p, x, dy, nb0, nb1, g, o0, 4, part));

    private static final ThreadLocal<float[]> WEIGHT_SUMS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> DY_PANEL = ThreadLocal.withInitial(() -> new float[0]);

    /** Input channels whose vector sums stay in L2 (16 x 3 kernel rows x 24 sums x 64 B = 72 KiB) while dy chunks pass. */
    static final int SUM_BLOCK = 16;

    /**
     * Output rows of dy (tile channels, width wo) that fit 24 KiB: a chunk of the weight gradient is that many rows of
     * one block, or whole planes of several blocks (L1 is 32 KiB on Zen 4, 48 KiB on Zen 5 and the Xeons of this kind).
     */
    static int dyChunkRows(int tile, int wo) { return (24 << 10) / (tile * wo * L * 4); }

    /**
     * Output channels o0 .. o0+tile (4 or 8) of group g over batch blocks nb0..nb1, stride 1 or 2. The input channels
     * go in blocks of {@link #SUM_BLOCK}; per block the output pixels are taken in chunks of rows whose dy fits in
     * L1, each chunk's dy first copied into a panel {@code [block][row][x][channel][L]} (the channels of a pixel are
     * consecutive vectors; in the tensor they lie a plane apart, a power of two, and fall into the same L1 set), and
     * every input channel of the block and kernel row adds to its vector sums (tile x 3 taps, in a per-thread buffer
     * in L2 between chunks). The lanes are summed at the end of each block, in a fixed order.
     *
     * <p>Why blocks of input channels (session 8, AMD EPYC Zen 5, paired in one JVM): the inner loop runs at the FMA
     * peak when its operands, the dy panel and one channel's x rows, are in L1 (184-215 GFLOP/s on one core,
     * docs/results/bench/session8/harness/DwLoopL1.java) and at 57-125 over a panel in L2. With the sums of every
     * input channel in the buffer (2.4 MiB at 512 channels) each chunk swept them from beyond L2; a whole-batch panel
     * in L2 avoided that sweep but lost L1. Blocks of 16 keep both in their cache: against the whole-batch panel,
     * 512@4x4 1.21x, 256@8x8 1.09x, g_s=4 64@32x32 1.09x, 16@32x32 1.06x, 64@32x32 and stride 2 1.00x. dy is packed
     * once per block of input channels (a copy per 144 FMAs at 16 channels).
     */
    static void weightsBlocked(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int tile,
                               double[] part) {
        final int inG = p.cinPerGroup(), ho = p.oh(), wo = p.ow(), sums = tile * 3;
        // the sums and the dy panel start their vectors at Simd.ALIGN: aligned loads (see there)
        final int ib = Math.min(inG, SUM_BLOCK), n = ib * 3 * sums * L + Simd.ALIGN, al = Simd.ALIGN;
        float[] acc = WEIGHT_SUMS.get();
        if (acc.length < n) { acc = new float[n]; WEIGHT_SUMS.set(acc); }
        final int budget = dyChunkRows(tile, wo);
        final int rows = Math.max(1, Math.min(ho, budget)), blocks = Math.max(1, budget / ho);
        final int panelFloats = blocks * rows * wo * tile * L + Simd.ALIGN;
        float[] pan = DY_PANEL.get();
        if (pan.length < panelFloats) { pan = new float[panelFloats]; DY_PANEL.set(pan); }
        final boolean stride2 = p.stride() == 2;
        for (int i0 = 0; i0 < inG; i0 += ib) {
            final int i1 = Math.min(inG, i0 + ib);
            java.util.Arrays.fill(acc, al, al + (i1 - i0) * 3 * sums * L, 0f);
            for (int nb = nb0; nb < nb1; nb += blocks) {
                int nbe = Math.min(nb1, nb + blocks);
                if (TOUCH_BLOCKS && inG <= 8) touch(p, x, dy, nb, nbe, g, o0, tile);
                for (int y0 = 0; y0 < ho; y0 += rows) {
                    int y1 = Math.min(ho, y0 + rows);
                    packDy(dy, pan, p, nb, nbe, g, o0, tile, y0, y1);
                    for (int i = i0; i < i1; i++) {
                        for (int ky = 0; ky < 3; ky++) {
                            int a = al + (((i - i0) * 3 + ky) * sums) * L;
                            // 4 channels per call, one call site: a kernel of 8 x 3 sums goes over C2's inlining
                            // node budget, and a kernel inlined twice too (its vectors then get boxed, 5-50x slower)
                            for (int c0 = 0; c0 < tile; c0 += 4) {
                                if (stride2) Conv3x3S2.dwRows(p, x, pan, nb, nbe, g, i, ky, y0, y1, tile, c0, acc, a + c0 * 3 * L);
                                else dwRows(p, x, pan, nb, nbe, g, i, ky, y0, y1, tile, c0, acc, a + c0 * 3 * L);
                            }
                        }
                    }
                }
            }
            for (int i = i0; i < i1; i++) {
                for (int ky = 0; ky < 3; ky++) {
                    int a = al + (((i - i0) * 3 + ky) * sums) * L;
                    for (int k = 0; k < sums; k++) part[((k / 3) * inG + i) * 9 + ky * 3 + k % 3] += Lanes.sum(ld(acc, a + k * L));
                }
            }
        }
    }

    /**
     * -Dmgiad.conv.touchBlocks=false: no {@link #touch}, for A/B measurements. With 8 or fewer input channels per group
     * the weight gradient first reads one float per cache line of the block's x and dy, in address order: a sweep the
     * hardware prefetchers follow at full speed, after which the chunks find their rows in L2. Without it each chunk's
     * rows came from memory a few lines at a time, in short runs a plane apart (the kernel's loads wait, the core can
     * have only so many misses in flight, and Java has no prefetch instruction). Paired in a training step's sequence
     * (session 10, Zen 5, 2 threads, `session10/harness/Seq.java`, 6 rounds): g_s=4 64@32x32 1.15x (0.81-1.36x),
     * 128@16x16 1.37x (0.77-1.44x), 256@8x8 1.2x (1.12-1.54x); g_s=8 64@32x32 1.1x, 128@16x16 1.05x, 256@8x8 1.2x;
     * stride 2 (3 rounds): 0.79-1.28x, 6 of 9 faster.
     * Touching a line per inner iteration, or the next chunk's rows in a burst, did not help (0.96-1.09x).
     */
    static final boolean TOUCH_BLOCKS = Boolean.parseBoolean(System.getProperty("mgiad.conv.touchBlocks", "true"));
    /** Where the touched floats go, so that the JIT keeps the loads. */
    static float touchSink;

    /** One float per cache line of x (all channels of group g) and dy (the tile), blocks nb0..nb1, in address order. */
    static void touch(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, int tile) {
        final long plane = planeFloats(p.h(), p.w()), oplane = planeFloats(p.oh(), p.ow());
        float s0 = 0, s1 = 0;
        for (int nb = nb0; nb < nb1; nb++) {
            int a = (int) (((long) nb * p.cin() + (long) g * p.cinPerGroup()) * plane), ae = a + (int) (p.cinPerGroup() * plane);
            for (; a + 16 < ae; a += 32) { s0 += x[a]; s1 += x[a + 16]; } // a line is 16 floats, whatever L is
            if (a < ae) s0 += x[a];
            int b = (int) (((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * oplane), be = b + (int) (tile * oplane);
            for (; b + 16 < be; b += 32) { s0 += dy[b]; s1 += dy[b + 16]; }
            if (b < be) s0 += dy[b];
        }
        touchSink += s0 + s1;
    }

    /**
     * dy of channels o0..o0+tile, blocks nb0..nb1, output rows y0..y1 into {@code pan[block][row][x][channel][L]} from
     * index {@link Simd#ALIGN} on.
     */
    static void packDy(float[] dy, float[] pan, ConvParams p, int nb0, int nb1, int g, int o0, int tile,
                               int y0, int y1) {
        final int wo = p.ow();
        final long plane = planeFloats(p.oh(), wo);
        int q = Simd.ALIGN;
        for (int nb = nb0; nb < nb1; nb++) {
            for (int y = y0; y < y1; y++) {
                long row = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0) * plane + (long) y * wo * P;
                for (int xx = 0; xx < wo; xx++) {
                    for (int c = 0; c < tile; c++, q += L) ld(dy, row + c * plane + xx * P).intoArray(pan, q);
                }
            }
        }
    }

    /**
     * Channels c0..c0+4 of the dy panel x 3 taps of kernel row ky, rows y0..y1 of blocks nb0..nb1: 12 vector sums
     * loaded from acc[a..], stored back.
     */
    private static void dwRows(ConvParams p, float[] x, float[] pan, int nb0, int nb1, int g, int i, int ky,
                               int y0, int y1, int tile, int c0, float[] acc, int a) {
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
            long xr = xChan + (y + ky - 1) * rowB;
            int d = Simd.ALIGN + (((nb - nb0) * (y1 - y0) + (y - y0)) * wd * tile + c0) * L;
            FloatVector l = z, c = ld(x, xr), r = wd > 1 ? ld(x, xr + P) : z;
            for (int xx = 0; xx < wd; xx++, d += tile * L) {
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
    }

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

    /**
     * The weights of every 4-channel output tile in the order the blocked kernel reads them:
     * {@code [group][tile][input channel][tap][4 channels]}, through the job's accessor (so the transposed, flipped
     * weight of the input gradient is packed the same way).
     */
    static void packWeights(ConvJob j) {
        int tiles = j.outG / 4;
        float[] wp = new float[j.groups * tiles * j.inG * 36];
        int q = 0;
        for (int g = 0; g < j.groups; g++) {
            for (int ot = 0; ot < tiles; ot++) {
                for (int i = 0; i < j.inG; i++) {
                    for (int tap = 0; tap < 9; tap++) {
                        for (int t = 0; t < 4; t++) {
                            wp[q++] = j.weight(g, ot * 4 + t, i, tap);
                        }
                    }
                }
            }
        }
        j.packedW = wp;
    }

    /**
     * Output rows y0..y1 of block nb, group g. Per row and block of CB input channels, the three input rows the row
     * reads are copied into a zero-bordered panel {@code [row][x+1][channel][L]} (contiguous: no cache-set conflicts
     * between channels, whose planes lie a power of two apart, and no bounds checks in the kernel); then every
     * 4-pixel tile of the row runs every output-channel tile over that block, adding to the sums of the previous
     * blocks. The sums are added in the same order as an unblocked loop over all input channels would.
     */
    static void bandBlocked(ConvJob j, int nb, int g, int y0, int y1) {
        final int cbMax = Math.min(CB, j.inG), wi = j.wi, hi = j.hi, tiles = j.outG / 4;
        final long plane = planeFloats(hi, wi), oplane = planeFloats(j.ho, j.wo);
        final long rowStride = (long) (wi + 2) * cbMax * L;
        final int al = Simd.ALIGN; // the panel's vectors start there: aligned loads (see Simd.ALIGN)
        float[] pan = new float[(int) (3 * rowStride) + al];
        final int xFull = j.wo / 4 * 4;
        for (int y = y0; y < y1; y++) {
            for (int i0 = 0; i0 < j.inG; i0 += cbMax) {
                int cb = Math.min(cbMax, j.inG - i0);
                long rs = (long) (wi + 2) * cb * L;
                for (int r = 0; r < 3; r++) {
                    int iy = y - 1 + r;
                    boolean rowOk = iy >= 0 && iy < hi;
                    for (int c = 0; c < cb; c++) {
                        long src = ((long) nb * j.ci + (long) g * j.inG + i0 + c) * plane + (long) iy * wi * P;
                        long dst = al + r * rs + (long) c * L;
                        FloatVector z = FloatVector.zero(S);
                        z.intoArray(pan, (int) dst);
                        z.intoArray(pan, (int) (dst + (wi + 1L) * cb * L));
                        for (int x = 0; x < wi; x++) {
                            (rowOk ? ld(j.in, src + x * P) : z).intoArray(pan, (int) (dst + (x + 1L) * cb * L));
                        }
                    }
                }
                long wGroup = (long) g * tiles * j.inG * 36 + (long) i0 * 36;
                for (int x = 0; x < xFull; x += 4) {
                    long outPix = ((long) nb * j.co + (long) g * j.outG) * oplane + ((long) y * j.wo + x) * P;
                    for (int ot = 0; ot < tiles; ot++) {
                        k3Packed(pan, j.packedW, j.out, al + (long) x * cb * L, rs, cb, wGroup + (long) ot * j.inG * 36,
                                outPix + 4L * ot * oplane, oplane, i0 == 0);
                    }
                }
            }
            for (int x = xFull; x < j.wo; x++) for (int o = 0; o < tiles * 4; o++) ConvGeneric.pixel(j, nb, g, o, y, x);
            ConvDepthwise.rowK3(j, nb, g, tiles * 4, y);
            epilogue(j, nb, g, y * j.wo, (y + 1) * j.wo);
        }
    }

    /**
     * 4 output channels x 4 pixels over cb input channels of the panel: per channel and tap 4 loads and 4
     * broadcasts feed 16 FMAs, all from L1. {@code first}: start from zero, else from the sums already stored.
     */
    private static void k3Packed(float[] pan, float[] wp, float[] out, long pixL, long rsL, int cb, long wBaseL,
                                 long o, long oplane, boolean first) {
        // int offsets and loops: C2 can then prove the accesses in range once per loop instead of once per access
        final int step = cb * L, pix = (int) pixL, rs = (int) rsL, wBase = (int) wBaseL;
        // The sums start from zero (first block) or from the stored sums, chosen by the load's source and offsets, not
        // by a branch: with a branch, a problem whose input channels fit one block never takes the load side; C2
        // does not inline the vector loads of a call site never reached (the launcher compiles every branch, no
        // uncommon traps), and the boxed vectors at the merge made the whole kernel 50-80x slower (ResNet20 step
        // 6.2 s against 0.6 s) whenever such a problem was the first to compile it.
        final float[] src = first ? ZERO : out;
        final long b = first ? 0 : o, dc = first ? 0 : oplane, dp = first ? 0 : P;
        FloatVector a00 = ld(src, b), a01 = ld(src, b + dp), a02 = ld(src, b + 2 * dp), a03 = ld(src, b + 3 * dp);
        FloatVector a10 = ld(src, b + dc), a11 = ld(src, b + dc + dp), a12 = ld(src, b + dc + 2 * dp), a13 = ld(src, b + dc + 3 * dp);
        FloatVector a20 = ld(src, b + 2 * dc), a21 = ld(src, b + 2 * dc + dp), a22 = ld(src, b + 2 * dc + 2 * dp), a23 = ld(src, b + 2 * dc + 3 * dp);
        FloatVector a30 = ld(src, b + 3 * dc), a31 = ld(src, b + 3 * dc + dp), a32 = ld(src, b + 3 * dc + 2 * dp), a33 = ld(src, b + 3 * dc + 3 * dp);
        for (int i = 0; i < cb; i++) {
            for (int ky = 0; ky < 3; ky++) {
                int r = pix + ky * rs + i * L;
                int t = wBase + (i * 9 + ky * 3) * 4;
                // kx is a loop, not unrolled: unrolled, the body overflows C2's inlining node budget and the
                // vectors of the calls left out of line get boxed (10x slower)
                for (int kx = 0; kx < 3; kx++, r += step, t += 4) {
                    FloatVector v0 = FloatVector.fromArray(S, pan, r), v1 = FloatVector.fromArray(S, pan, r + step);
                    FloatVector v2 = FloatVector.fromArray(S, pan, r + 2 * step), v3 = FloatVector.fromArray(S, pan, r + 3 * step);
                    FloatVector w0 = FloatVector.broadcast(S, wp[t]), w1 = FloatVector.broadcast(S, wp[t + 1]);
                    FloatVector w2 = FloatVector.broadcast(S, wp[t + 2]), w3 = FloatVector.broadcast(S, wp[t + 3]);
                    a00 = v0.fma(w0, a00); a01 = v1.fma(w0, a01); a02 = v2.fma(w0, a02); a03 = v3.fma(w0, a03);
                    a10 = v0.fma(w1, a10); a11 = v1.fma(w1, a11); a12 = v2.fma(w1, a12); a13 = v3.fma(w1, a13);
                    a20 = v0.fma(w2, a20); a21 = v1.fma(w2, a21); a22 = v2.fma(w2, a22); a23 = v3.fma(w2, a23);
                    a30 = v0.fma(w3, a30); a31 = v1.fma(w3, a31); a32 = v2.fma(w3, a32); a33 = v3.fma(w3, a33);
                }
            }
        }
        a00.intoArray(out, (int) (o)); a01.intoArray(out, (int) (o + P)); a02.intoArray(out, (int) (o + 2 * P)); a03.intoArray(out, (int) (o + 3 * P));
        o += oplane;
        a10.intoArray(out, (int) (o)); a11.intoArray(out, (int) (o + P)); a12.intoArray(out, (int) (o + 2 * P)); a13.intoArray(out, (int) (o + 3 * P));
        o += oplane;
        a20.intoArray(out, (int) (o)); a21.intoArray(out, (int) (o + P)); a22.intoArray(out, (int) (o + 2 * P)); a23.intoArray(out, (int) (o + 3 * P));
        o += oplane;
        a30.intoArray(out, (int) (o)); a31.intoArray(out, (int) (o + P)); a32.intoArray(out, (int) (o + 2 * P)); a33.intoArray(out, (int) (o + 3 * P));
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

}
