package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import jdk.incubator.vector.FloatVector;

import static dev.mgiad.engine.cpu.ConvJob.L;
import static dev.mgiad.engine.cpu.ConvJob.P;
import static dev.mgiad.engine.cpu.ConvJob.S;
import static dev.mgiad.engine.cpu.ConvJob.epilogue;
import static dev.mgiad.engine.cpu.ConvJob.ld;
import static dev.mgiad.engine.cpu.ConvJob.planeFloats;

/**
 * 3x3, stride 1, pad 1 by Winograd's F(2x2,3x3): forward, the input gradient through
 * {@link ConvDispatch#AS_FORWARD} (the weights are read through the job's accessor, so the transposed, flipped
 * weight is transformed the same way), and the weight gradient. Each 2x2 output tile costs 16 multiplies per (input,
 * output) channel pair instead of 36. With the batch innermost, the tile transforms are lane-wise vector additions: the
 * input tile {@code V = B^T d B}, the weights {@code U = G g G^T} (once per call), then for each of the 16 transform
 * points a small GEMM {@code M = U V} over the channels (4 output channels x 4 tiles of accumulators, the same register
 * block as the direct kernel), and the output {@code Y = A^T M A}. The weight gradient is the same GEMM with the tiles
 * as its K dimension: {@code dU = sum (A dY A^T) . V} per point, then {@code dg = G^T dU G}.
 *
 * <p>Tiles are taken in chunks small enough that their transformed input and products stay in L2; the GEMM walks
 * the input channels in blocks whose transformed tiles stay in L1. Rounding: the transforms add up to 4 terms and
 * the weight transform halves, so the error is a small multiple of the direct kernel's (measured in the README).
 */
final class ConvWinograd {
    private ConvWinograd() { }

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward(
            "3x3 s1 Winograd F(2x2,3x3): 4 channels x 4 tiles per transform point", ConvWinograd::applies,
            ConvWinograd::transformWeights, j -> (j.wo / 2) % 4 == 0 ? 2 : 4, ConvWinograd::band);

    /** Zeros read (always at offset 0) in place of pixels outside the image and of sums not yet stored. */
    static final float[] ZEROS = new float[L];

    /**
     * Input channels per GEMM block: 4 tiles of them take 16 KiB (L1); 64 at 16 lanes. Blocks of 16 (4 KiB) reloaded
     * the sums 4x as often: 1.1-1.3x slower at 64-256 channels (Zen 5, paired).
     */
    private static final int CB = 1024 / L;

    static boolean eligible(ConvJob j) {
        return j.is3x3(1) && j.ho % 4 == 0 && j.wo % 4 == 0 && j.outG % 4 == 0 && j.inG >= 16;
    }

    static boolean applies(ConvJob j) {
        if (!eligible(j)) return false;
        return switch (j.algo) {
            case DIRECT -> false;
            case WINOGRAD -> true;
            case AUTO -> pays(j);
        };
    }

    /**
     * Where {@code auto} takes Winograd for the forward and the input gradient: 32 or more input channels per group
     * (of the job: the output channels for the input gradient). Measured against the direct kernels (2 threads,
     * batch 128, AMD EPYC Zen 5, paired in one JVM): dense 64@32x32 1.43-1.44x, 128@16x16 1.56-1.60x, 256@8x8
     * 1.56x, 32@16x16 1.36-1.40x, 256@4x4 0.93-2.0x (the direct kernel there runs in a fast and a slow mode); with
     * 16 channels per group the transforms cost about what the 2.25x fewer multiplies save: 0.70-0.75x at 8x8
     * and 4x4, 0.95-1.14x at 16x16 and 32x32, so those stay direct.
     */
    static boolean pays(ConvJob j) { return j.inG >= 32; }

    /** Tiles per chunk: their transformed inputs and products take about 1 MiB (L2), at least 4. */
    static int chunkTiles(ConvJob j) {
        int t = (256 << 10) / (16 * (j.inG + j.outG) * L);
        return Math.max(4, Math.min(64, t / 4 * 4));
    }

    /** The transformed weights of the calling thread's last call, reused: a new array per call was garbage. */
    private static final ThreadLocal<float[]> PACKED = ThreadLocal.withInitial(() -> new float[0]);

    /** {@code U = G g G^T} for every (output, input) channel pair, as {@code [point][group][tile][input][4 outputs]}. */
    static void transformWeights(ConvJob j) {
        int tiles = j.outG / 4, n = 16 * j.groups * tiles * j.inG * 4;
        float[] u = PACKED.get();
        if (u.length < n) { u = new float[n]; PACKED.set(u); }
        float[] gk = new float[9], gg = new float[12];
        for (int g = 0; g < j.groups; g++) {
            for (int o = 0; o < j.outG; o++) {
                for (int i = 0; i < j.inG; i++) {
                    for (int tap = 0; tap < 9; tap++) gk[tap] = j.weight(g, o, i, tap);
                    for (int c = 0; c < 3; c++) {
                        gg[c] = gk[c];
                        gg[3 + c] = (gk[c] + gk[3 + c] + gk[6 + c]) * 0.5f;
                        gg[6 + c] = (gk[c] - gk[3 + c] + gk[6 + c]) * 0.5f;
                        gg[9 + c] = gk[6 + c];
                    }
                    int at = (((g * tiles + o / 4) * j.inG + i) * 4) + o % 4, point = j.groups * tiles * j.inG * 4;
                    for (int r = 0; r < 4; r++, at += 4 * point) {
                        float r0 = gg[r * 3], r1 = gg[r * 3 + 1], r2 = gg[r * 3 + 2];
                        u[at] = r0;
                        u[at + point] = (r0 + r1 + r2) * 0.5f;
                        u[at + 2 * point] = (r0 - r1 + r2) * 0.5f;
                        u[at + 3 * point] = r2;
                    }
                }
            }
        }
        j.packedW = u;
    }

    static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0], new float[0]});

    /** Buffer k, room for n floats from index {@link Simd#ALIGN} on (where its vectors are cache-line aligned). */
    static float[] buffer(float[][] b, int k, int n) {
        if (b[k].length < n + Simd.ALIGN) b[k] = new float[n + Simd.ALIGN];
        return b[k];
    }

    /** Output rows y0..y1 (a multiple of the row step) of block nb, group g, in chunks of tiles. */
    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        final int tw = j.wo / 2, nt = chunkTiles(j);
        final int first = (y0 / 2) * tw, end = (y1 / 2) * tw;
        float[][] bufs = BUFFERS.get();
        // the buffers' vectors start at Simd.ALIGN: aligned loads (see there)
        final int a = Simd.ALIGN;
        final int vPoint = pointFloats(j.inG, nt), mPoint = pointFloats(j.outG, nt);
        float[] v = buffer(bufs, 0, 16 * vPoint), m = buffer(bufs, 1, 16 * mPoint);
        float[] tmp = buffer(bufs, 2, 16 * L);
        int done = y0; // output rows whose epilogue has run
        for (int q0 = first; q0 < end; q0 += nt) {
            int n = Math.min(nt, end - q0);
            for (int i = 0; i < j.inG; i++) {
                for (int q = 0; q < n; q++) inputTile(j, nb, g, i, q0 + q, tw, v, tmp, a + (i * nt + q) * L, vPoint);
            }
            gemm(j, g, v, m, n, nt, a, 16, vPoint, mPoint);
            for (int o = 0; o < j.outG; o++) {
                for (int q = 0; q < n; q++) outputTile(j, nb, g, o, q0 + q, tw, m, a + (o * nt + q) * L, mPoint);
            }
            // the epilogue (batch-norm statistics, gradient epilogues) of each finished pair of rows while they are in
            // L2; once per band, it read the band's rows back from memory (4 MiB per item at 64@32x32)
            int rows = (q0 + n) / tw * 2;
            if (rows > done) {
                epilogue(j, nb, g, done * j.wo, rows * j.wo);
                done = rows;
            }
        }
    }

    /**
     * {@code V = B^T d B} of tile q (row q / tw, column q % tw) of input channel i, zero outside the image; the 16
     * points go to {@code v[at + xi * pointStride]}. Two passes through {@code tmp} keep the bodies small.
     */
    private static void inputTile(ConvJob j, int nb, int g, int i, int q, int tw, float[] v, float[] tmp, int at, int pointStride) {
        final int ty = q / tw, tx = q % tw, hi = j.hi, wi = j.wi;
        final long chan = ((long) nb * j.ci + (long) g * j.inG + i) * planeFloats(hi, wi);
        final int x0 = 2 * tx - 1;
        final boolean left = x0 >= 0, right = x0 + 3 < wi;
        final int t = Simd.ALIGN; // tmp's vectors start there (aligned)
        for (int r = 0; r < 4; r++) {
            // a row or column outside the image reads ZEROS at offset 0: a vector chosen by a branch would be
            // boxed by C2 (measured: 35 MB of garbage per call, and 7x slower while the heap grew)
            final int iy = 2 * ty - 1 + r;
            final boolean inside = iy >= 0 && iy < hi;
            final float[] row = inside ? j.in : ZEROS;
            final long off = inside ? chan + ((long) iy * wi + x0) * P : 0, step = inside ? P : 0;
            FloatVector d0 = FloatVector.fromArray(S, left ? row : ZEROS, (int) (left ? off : 0));
            FloatVector d1 = FloatVector.fromArray(S, row, (int) (off + step));
            FloatVector d2 = FloatVector.fromArray(S, row, (int) (off + 2 * step));
            FloatVector d3 = FloatVector.fromArray(S, right ? row : ZEROS, (int) (right ? off + 3 * step : 0));
            d0.sub(d2).intoArray(tmp, t + (r * 4) * L);
            d1.add(d2).intoArray(tmp, t + (r * 4 + 1) * L);
            d2.sub(d1).intoArray(tmp, t + (r * 4 + 2) * L);
            d1.sub(d3).intoArray(tmp, t + (r * 4 + 3) * L);
        }
        for (int c = 0; c < 4; c++) {
            FloatVector t0 = FloatVector.fromArray(S, tmp, t + c * L), t1 = FloatVector.fromArray(S, tmp, t + (4 + c) * L);
            FloatVector t2 = FloatVector.fromArray(S, tmp, t + (8 + c) * L), t3 = FloatVector.fromArray(S, tmp, t + (12 + c) * L);
            t0.sub(t2).intoArray(v, at + c * pointStride);
            t1.add(t2).intoArray(v, at + (4 + c) * pointStride);
            t2.sub(t1).intoArray(v, at + (8 + c) * pointStride);
            t1.sub(t3).intoArray(v, at + (12 + c) * pointStride);
        }
    }

    /** {@code Y = A^T M A} of tile q of output channel o: the 2x2 output pixels, raw sums. */
    private static void outputTile(ConvJob j, int nb, int g, int o, int q, int tw, float[] m, int at, int pointStride) {
        final int ty = q / tw, tx = q % tw;
        final long out = ((long) nb * j.co + (long) g * j.outG + o) * planeFloats(j.ho, j.wo)
                + ((long) 2 * ty * j.wo + 2L * tx) * P;
        // A^T down each column c: (m0 + m1 + m2, m1 - m2 - m3); written out, not in a loop with a switch, whose
        // merged vectors C2 would box
        final int p0 = at, p1 = at + pointStride, p2 = at + 2 * pointStride, p3 = at + 3 * pointStride;
        final int ps = 4 * pointStride;
        FloatVector m0 = ld(m, p0), m1 = ld(m, p0 + ps), m2 = ld(m, p0 + 2 * ps), m3 = ld(m, p0 + 3 * ps);
        FloatVector s00 = m0.add(m1).add(m2), s10 = m1.sub(m2).sub(m3);
        m0 = ld(m, p1); m1 = ld(m, p1 + ps); m2 = ld(m, p1 + 2 * ps); m3 = ld(m, p1 + 3 * ps);
        FloatVector s01 = m0.add(m1).add(m2), s11 = m1.sub(m2).sub(m3);
        m0 = ld(m, p2); m1 = ld(m, p2 + ps); m2 = ld(m, p2 + 2 * ps); m3 = ld(m, p2 + 3 * ps);
        FloatVector s02 = m0.add(m1).add(m2), s12 = m1.sub(m2).sub(m3);
        m0 = ld(m, p3); m1 = ld(m, p3 + ps); m2 = ld(m, p3 + 2 * ps); m3 = ld(m, p3 + 3 * ps);
        FloatVector s03 = m0.add(m1).add(m2), s13 = m1.sub(m2).sub(m3);
        s00.add(s01).add(s02).intoArray(j.out, (int) out);
        s01.sub(s02).sub(s03).intoArray(j.out, (int) (out + P));
        s10.add(s11).add(s12).intoArray(j.out, (int) (out + j.wo * P));
        s11.sub(s12).sub(s13).intoArray(j.out, (int) (out + j.wo * P + P));
    }

    /**
     * Floats between the transform points of a chunk's transformed inputs or products ({@code [point][channel][tile]}):
     * one vector more than the channels' tiles. Without it the points of one tile lay a power of two apart (16 KiB
     * at 64 channels and 4 tiles), in one L1 set, and the 16 or 36 stores of a tile's transform and the loads of its
     * inverse went to L2.
     */
    static int pointFloats(int channels, int nt) { return channels * nt * L + (PAD_POINTS ? L : 0); }

    /** Not final, so that a harness can flip it inside one JVM (A/B). */
    static boolean PAD_POINTS = Boolean.parseBoolean(System.getProperty("mgiad.winograd.padPoints", "true"));

    /**
     * For each of the {@code points} transform points: {@code M[o][q] = sum_i U[o][i] V[i][q]}, 4 outputs x 4 tiles
     * per kernel call (F(2x2,3x3) has 16 points, F(4x4,3x3) in {@link ConvWinograd4} 36); points {@code vPoint} and
     * {@code mPoint} floats apart.
     */
    static void gemm(ConvJob j, int g, float[] v, float[] m, int n, int nt, int a, int points, int vPoint, int mPoint) {
        final int tiles = j.outG / 4;
        for (int xi = 0; xi < points; xi++) {
            for (int i0 = 0; i0 < j.inG; i0 += CB) {
                int cb = Math.min(CB, j.inG - i0);
                for (int q = 0; q < n; q += 4) {
                    int vAt = a + xi * vPoint + (i0 * nt + q) * L;
                    for (int ot = 0; ot < tiles; ot++) {
                        int uAt = (((xi * j.groups + g) * tiles + ot) * j.inG + i0) * 4;
                        int mAt = a + xi * mPoint + (ot * 4 * nt + q) * L;
                        gemm4x4(v, j.packedW, m, vAt, nt * L, uAt, mAt, nt * L, cb, i0 == 0);
                    }
                }
            }
        }
    }

    private static void gemm4x4(float[] v, float[] u, float[] m, int vAt, int vStride, int uAt, int mAt, int mStride,
                                int cb, boolean first) {
        // the first input block starts from zeros: loaded from ZEROS, not chosen by a branch (C2 would box the sums)
        final float[] src = first ? ZEROS : m;
        final int s0 = first ? 0 : mAt, row = first ? 0 : mStride, col = first ? 0 : L;
        FloatVector a00 = ld(src, s0), a01 = ld(src, s0 + col), a02 = ld(src, s0 + 2 * col), a03 = ld(src, s0 + 3 * col);
        int o1 = s0 + row;
        FloatVector a10 = ld(src, o1), a11 = ld(src, o1 + col), a12 = ld(src, o1 + 2 * col), a13 = ld(src, o1 + 3 * col);
        o1 += row;
        FloatVector a20 = ld(src, o1), a21 = ld(src, o1 + col), a22 = ld(src, o1 + 2 * col), a23 = ld(src, o1 + 3 * col);
        o1 += row;
        FloatVector a30 = ld(src, o1), a31 = ld(src, o1 + col), a32 = ld(src, o1 + 2 * col), a33 = ld(src, o1 + 3 * col);
        for (int i = 0, r = vAt, t = uAt; i < cb; i++, r += vStride, t += 4) {
            FloatVector v0 = FloatVector.fromArray(S, v, r), v1 = FloatVector.fromArray(S, v, r + L);
            FloatVector v2 = FloatVector.fromArray(S, v, r + 2 * L), v3 = FloatVector.fromArray(S, v, r + 3 * L);
            FloatVector w0 = FloatVector.broadcast(S, u[t]), w1 = FloatVector.broadcast(S, u[t + 1]);
            FloatVector w2 = FloatVector.broadcast(S, u[t + 2]), w3 = FloatVector.broadcast(S, u[t + 3]);
            a00 = v0.fma(w0, a00); a01 = v1.fma(w0, a01); a02 = v2.fma(w0, a02); a03 = v3.fma(w0, a03);
            a10 = v0.fma(w1, a10); a11 = v1.fma(w1, a11); a12 = v2.fma(w1, a12); a13 = v3.fma(w1, a13);
            a20 = v0.fma(w2, a20); a21 = v1.fma(w2, a21); a22 = v2.fma(w2, a22); a23 = v3.fma(w2, a23);
            a30 = v0.fma(w3, a30); a31 = v1.fma(w3, a31); a32 = v2.fma(w3, a32); a33 = v3.fma(w3, a33);
        }
        int o = mAt;
        a00.intoArray(m, o); a01.intoArray(m, o + L); a02.intoArray(m, o + 2 * L); a03.intoArray(m, o + 3 * L);
        o += mStride;
        a10.intoArray(m, o); a11.intoArray(m, o + L); a12.intoArray(m, o + 2 * L); a13.intoArray(m, o + 3 * L);
        o += mStride;
        a20.intoArray(m, o); a21.intoArray(m, o + L); a22.intoArray(m, o + 2 * L); a23.intoArray(m, o + 3 * L);
        o += mStride;
        a30.intoArray(m, o); a31.intoArray(m, o + L); a32.intoArray(m, o + 2 * L); a33.intoArray(m, o + 3 * L);
    }

    // ------------------------------------------------------------------ weight gradient

    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS = new ConvDispatch.BackwardWeights(
            "3x3 s1 Winograd F(2x2,3x3) weight gradient: per transform point a channel GEMM over the tiles",
            ConvWinograd::weightsApply, ConvWinograd::backwardWeights);

    static boolean weightsEligible(ConvParams p) {
        return ConvJob.is3x3(p, 1) && p.oh() % 2 == 0 && p.ow() % 2 == 0 && p.coutPerGroup() % 4 == 0
                && p.cinPerGroup() % 4 == 0 && p.cinPerGroup() >= 16;
    }

    static boolean weightsApply(ConvParams p, ConvAlgorithm algo) {
        if (!weightsEligible(p)) return false;
        return switch (algo) {
            case DIRECT -> false;
            case WINOGRAD -> true;
            case AUTO -> weightsPay(p);
        };
    }

    /**
     * Where {@code auto} takes the Winograd weight gradient: 32 or more input channels per group at any size, and 16
     * on images of 8x8 or larger with enough tiles per work item ({@link #tilesPerItem}). Since its panels are aligned
     * (session 9, {@link Simd#ALIGN}; AMD EPYC Zen 5, 2 threads, batch 128, paired against the direct kernel in one
     * JVM): dense 64@32x32 2.06x, 256@4x4 1.05-1.28x, 512@4x4 1.19x, 64@8x8 1.15-1.18x, 64@4x4 1.22x, 128@4x4 1.00x,
     * 32@8x8 1.07x, 32@16x16 1.14x, 16@32x32 1.37x, 64 per group 1.03-1.08x; 16 per group at 4x4 0.91x, not taken.
     * (Before the alignment it lost at 4x4, 0.85-1.10x, and at 64@8x8, 0.71-0.79x.)
     */
    static boolean weightsPay(ConvParams p) {
        return p.cinPerGroup() >= 32 || p.oh() >= 8 && p.ow() >= 8 && tilesPerItem(p) >= 128;
    }

    /**
     * Tiles per work item when the problem is split into at least 4 items (2 threads, 2 items each): each item
     * zeroes and lane-sums 16 x 64 x 64 vector sums, a fixed cost that few tiles do not amortise (before the aligned
     * panels, 64@8x8 at batch 128, 4 slices of 32 tiles, ran at 0.71-0.79x the direct kernel; 128@8x8, 4 items of
     * 128 tiles: 1.48-1.68x).
     */
    static int tilesPerItem(ConvParams p) {
        long tiles = (long) ((p.n() + L - 1) / L) * (p.oh() / 2) * (p.ow() / 2);
        long items = (long) p.groups() * ((p.coutPerGroup() + WEIGHT_OB - 1) / WEIGHT_OB) * ((p.cinPerGroup() + WEIGHT_CB - 1) / WEIGHT_CB);
        return (int) Math.min(Integer.MAX_VALUE, tiles * items / Math.max(items, 4));
    }

    /**
     * Output and input channels per work item (64 x 64 vector sums of 16 points: 4 MiB, read and written once per
     * chunk; 32 x 32 items were 1.2-1.4x slower), and tiles per chunk, the K extent of each point's GEMM (32: the
     * chunk's 16 transformed points take 2 MiB per side, written once and read once per chunk).
     */
    static final int WEIGHT_OB = 64, WEIGHT_CB = 64, WEIGHT_NT = 32;

    /**
     * Work items (with slices) per weight-gradient call: two per thread at 2 threads, and a constant, not the thread
     * count, so that the slices, and with them the order of the sums, do not depend on how many threads run (results
     * repeat bit for bit on any thread count). Shared with {@link ConvWinograd4}.
     */
    static final int WEIGHT_ITEMS = 4;

    /**
     * Slices of the tiles per work item: at least {@link #WEIGHT_ITEMS} items, no slice under a chunk. A slice of at
     * most {@link #WEIGHT_NT} tiles takes the one-chunk path.
     */
    static int weightSlices(ConvParams p, int nBlocks) {
        final int tiles = nBlocks * (p.oh() / 2) * (p.ow() / 2);
        final int items = p.groups() * ((p.coutPerGroup() + WEIGHT_OB - 1) / WEIGHT_OB) * ((p.cinPerGroup() + WEIGHT_CB - 1) / WEIGHT_CB);
        return Math.max(1, Math.min((tiles + WEIGHT_NT - 1) / WEIGHT_NT, (WEIGHT_ITEMS + items - 1) / items));
    }

    static final ThreadLocal<float[][]> WEIGHT_BUFFERS =
            ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0], new float[0]});
    static final ThreadLocal<double[]> WEIGHT_PARTS = ThreadLocal.withInitial(() -> new double[0]);

    /**
     * {@code dU = sum over tiles (A dY A^T) . (B^T d B)} per transform point, then {@code dg = G^T dU G}. Per point the
     * sum is a GEMM over the channels whose K dimension is the tiles: for blocks of 4L input channels the tiles x
     * batch lanes ({@link #weightBlockTransposed}), else the tiles with the batch lanes summed once at the end. Work
     * items are (group, block of output channels, block of input channels), and where they are fewer than
     * twice the threads, slices of the tiles, whose sums are added in a fixed order. The tiles go in chunks: all 16
     * transformed points of a chunk's inputs and gradients first (each input read once per tile), then the 16 GEMMs.
     * Computing each point's operands straight from the tensors before its GEMM re-read the chunk 16 times and was
     * 1.1-1.5x slower.
     */
    static void backwardWeights(ConvParams p, float[] x, float[] dy, float[] dw, float alpha, boolean accumulate,
                                int nBlocks, Parallel par) {
        weightsBySlices(p, dw, alpha, accumulate, par, 16, nBlocks * (p.oh() / 2) * (p.ow() / 2),
                weightSlices(p, nBlocks),
                (g, o0, on, i0, in, q0, q1, part, partAt) -> weightBlock(p, x, dy, g, o0, on, i0, in, q0, q1, part, partAt),
                ConvWinograd::taps);
    }

    /** Tiles q0..q1 of output channels o0..o0+on x input channels i0..i0+in of group g: each point's sums into part. */
    @FunctionalInterface interface WeightBlock {
        void run(int g, int o0, int on, int i0, int in, int q0, int q1, double[] part, int partAt);
    }

    /** The 3x3 taps {@code G^T dU G} of one (output, input) pair from its points' sums u, stored from {@code at}. */
    @FunctionalInterface interface Taps {
        void store(double[] u, double[] scratch, float[] dw, long at, float alpha, boolean accumulate);
    }

    /**
     * The weight gradient's driver for a tile with {@code points} transform points (F(2x2) 16, F(4x4) 36): work items
     * (group, block of {@link #WEIGHT_OB} outputs, block of {@link #WEIGHT_CB} inputs) times {@code slices} slices of
     * the tiles, each item's point sums in its own part of a buffer; then per (output, input) pair the slices' sums
     * added in a fixed order and turned into taps.
     */
    static void weightsBySlices(ConvParams p, float[] dw, float alpha, boolean accumulate, Parallel par, int points,
                                int tiles, int slices, WeightBlock block, Taps taps) {
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup(), groups = p.groups();
        final int ob = Math.min(outG, WEIGHT_OB), cb = Math.min(inG, WEIGHT_CB);
        final int oBlocks = (outG + ob - 1) / ob, iBlocks = (inG + cb - 1) / cb;
        final int items = groups * oBlocks * iBlocks;
        final int per = points * outG * inG, all = groups * per;
        double[] parts = WEIGHT_PARTS.get();
        if (parts.length < slices * all) { parts = new double[slices * all]; WEIGHT_PARTS.set(parts); }
        final double[] sums = parts;
        par.forRange(items * slices, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int slice = it % slices, b = it / slices;
                int bi = b % iBlocks, bo = (b / iBlocks) % oBlocks, g = b / (iBlocks * oBlocks);
                int q0 = (int) ((long) tiles * slice / slices), q1 = (int) ((long) tiles * (slice + 1) / slices);
                int o0 = bo * ob, i0 = bi * cb;
                block.run(g, o0, Math.min(outG, o0 + ob) - o0, i0, Math.min(inG, i0 + cb) - i0, q0, q1, sums,
                        slice * all + g * per);
            }
        });
        par.forRange(groups * outG, (from, to, t) -> {
            double[] u = new double[points], scratch = new double[points];
            for (int go = from; go < to; go++) {
                int g = go / outG, o = go % outG;
                for (int i = 0; i < inG; i++) {
                    for (int pt = 0; pt < points; pt++) {
                        double v = 0;
                        for (int sl = 0; sl < slices; sl++) v += sums[sl * all + g * per + (pt * outG + o) * inG + i];
                        u[pt] = v;
                    }
                    taps.store(u, scratch, dw, ((long) go * inG + i) * 9, alpha, accumulate);
                }
            }
        });
    }

    /** F(2x2,3x3)'s {@code dg = G^T dU G}: first dU G (4 x 3) into scratch, then G^T of that. */
    private static void taps(double[] u, double[] tr, float[] dw, long at, float alpha, boolean accumulate) {
        for (int r = 0; r < 4; r++) {
            double u0 = u[r * 4], u1 = u[r * 4 + 1], u2 = u[r * 4 + 2], u3 = u[r * 4 + 3];
            tr[r * 3] = u0 + 0.5 * (u1 + u2);
            tr[r * 3 + 1] = 0.5 * (u1 - u2);
            tr[r * 3 + 2] = 0.5 * (u1 + u2) + u3;
        }
        for (int c = 0; c < 3; c++) {
            double t0 = tr[c], t1 = tr[3 + c], t2 = tr[6 + c], t3 = tr[9 + c];
            store(dw, at + c, t0 + 0.5 * (t1 + t2), alpha, accumulate);
            store(dw, at + 3 + c, 0.5 * (t1 - t2), alpha, accumulate);
            store(dw, at + 6 + c, 0.5 * (t1 + t2) + t3, alpha, accumulate);
        }
    }

    static void store(float[] dw, long at, double v, float alpha, boolean accumulate) {
        float f = (float) (alpha * v);
        dw[(int) at] = accumulate ? dw[(int) at] + f : f;
    }

    /**
     * Tiles q0..q1 of output channels o0..o0+on x input channels i0..i0+in of group g: lane sums stored in part. The
     * cases are methods of their own, each compiled on its own: in one method, the case the first problem never took
     * was compiled as a trap (8x8 ran 1.45x slower over 21 calls after a 4x4 problem had compiled it).
     */
    private static void weightBlock(ConvParams p, float[] x, float[] dy, int g, int o0, int on, int i0, int in,
                                    int q0, int q1, double[] part, int partAt) {
        if (TRANSPOSED && in % (4 * L) == 0) weightBlockTransposed(p, x, dy, g, o0, on, i0, in, q0, q1, part, partAt);
        else if (q1 - q0 <= WEIGHT_NT) weightBlockOneChunk(p, x, dy, g, o0, on, i0, in, q0, q1, part, partAt);
        else weightBlockChunked(p, x, dy, g, o0, on, i0, in, q0, q1, part, partAt);
    }

    /** -Dmgiad.winograd.transposed=false: the lane-sum kernels for every block, for A/B measurements. */
    static final boolean TRANSPOSED = Transposes.SUPPORTED
            && Boolean.parseBoolean(System.getProperty("mgiad.winograd.transposed", "true"));

    /**
     * Tiles per chunk of the transposed kernel: 4 (K = 64 batch lanes x tiles), so that a chunk's transformed inputs
     * (256 KiB at 64 channels), gradients (320 KiB) and every point's sums (256 KiB) stay in L2. With chunks of 32
     * tiles the transformed data (4 MiB a chunk) went through L3, written once and read once: 4x the bytes of x
     * and dy, the transform's expansion. (Measured against 2, 8, 16 and 32: none faster, session 10.)
     */
    static final int TRANSPOSED_NT = 4;

    /** Chunks whose float sums are added before they go into the double sums: K = 512 products per float sum. */
    static final int TRANSPOSED_FLUSH = Math.max(1, 512 / (TRANSPOSED_NT * L));

    static final ThreadLocal<double[]> WEIGHT_DSUMS = ThreadLocal.withInitial(() -> new double[0]);

    /**
     * Blocks of 4L input channels: the GEMM's K dimension is tiles x batch lanes, so no lane sums are left at the end
     * and each point's sums are plain floats, {@code [point][output][input]} (256 KiB at 64 x 64: L2). The transformed
     * inputs are transposed per tile (L channels x L lanes, {@link Transposes}) into {@code vt[point][k][input]}, so 4
     * consecutive vectors hold 4L input channels of one (tile, lane); the transformed gradients stay
     * {@code [point][output][k]}, read as broadcasts along k. Register block: 4 outputs x 4L inputs, 4 loads and 4
     * broadcasts per 16 FMAs (the forward GEMM's block). Every {@link #TRANSPOSED_FLUSH} chunks the float sums are
     * added to double sums, in a fixed order.
     */
    private static void weightBlockTransposed(ConvParams p, float[] x, float[] dy, int g, int o0, int on, int i0, int in,
                                              int q0, int q1, double[] part, int partAt) {
        final int nt = TRANSPOSED_NT, row = (nt + 1) * L, dPoint = on * row, off = Simd.ALIGN;
        final int vPoint = nt * L * in, sums = 16 * on * in, scratch = 16 * L * L;
        final int outG = p.coutPerGroup(), inG = p.cinPerGroup();
        float[][] bufs = WEIGHT_BUFFERS.get();
        // buffer 0: every point's float sums [point][on][in], then the transform scratch [point][channel][lane]
        float[] cs = buffer(bufs, 0, sums + scratch), vt = buffer(bufs, 1, 16 * vPoint), db = buffer(bufs, 2, 16 * dPoint);
        final int sc = off + sums;
        double[] ds = WEIGHT_DSUMS.get();
        if (ds.length < sums) { ds = new double[sums]; WEIGHT_DSUMS.set(ds); }
        java.util.Arrays.fill(ds, 0, sums, 0);
        int pending = 0;
        for (int c0 = q0; c0 < q1; c0 += nt) {
            final int n = Math.min(nt, q1 - c0), k = n * L;
            for (int q = 0; q < n; q++) {
                for (int c = 0; c < in; c += L) {
                    chunkInputs(p, x, g, i0 + c, L, c0 + q, 1, cs, L, L * L, sc);
                    for (int pt = 0; pt < 16; pt++) {
                        Transposes.block(cs, sc + pt * L * L, L, vt, off + pt * vPoint + q * L * in + c, in);
                    }
                }
            }
            chunkGradients(p, dy, g, o0, on, c0, n, db, row, dPoint, off);
            pending = chunkGemms(vt, db, cs, ds, 16, on, in, vPoint, dPoint, k, pending, c0 + nt >= q1);
        }
        copySums(ds, 16, on, in, part, partAt + o0 * inG + i0, outG, inG);
    }

    /**
     * One chunk's GEMMs of the transposed kernel for every point, {@code sums[point][o][c] += db[point][o][k] *
     * vt[point][k][c]} over the chunk's k: from zero when no chunk is pending, else from the float sums in cs (from
     * {@link Simd#ALIGN}); every {@link #TRANSPOSED_FLUSH} chunks, and after the last, the float sums are added to
     * the double sums ds. Returns the chunks now pending.
     */
    static int chunkGemms(float[] vt, float[] db, float[] cs, double[] ds, int points, int on, int in, int vPoint,
                          int dPoint, int k, int pending, boolean last) {
        final int off = Simd.ALIGN, row = (TRANSPOSED_NT + 1) * L;
        final boolean fresh = pending == 0;
        for (int pt = 0; pt < points; pt++) {
            for (int o4 = 0; o4 < on; o4 += 4) {
                for (int c = 0; c < in; c += 4 * L) {
                    int a = off + (pt * on + o4) * in + c;
                    gemmTransposed(vt, db, fresh ? ZEROS : cs, fresh ? 0 : a, fresh ? 0 : in, fresh ? 0 : L,
                            cs, a, in, off + pt * vPoint + c, off + pt * dPoint + o4 * row, row, in, k);
                }
            }
        }
        if (++pending < TRANSPOSED_FLUSH && !last) return pending;
        for (int i = 0, sums = points * on * in; i < sums; i++) ds[i] += cs[off + i];
        return 0;
    }

    /** The double sums {@code ds[point][o][i]} of a block into {@code part[point][outG][inG]} from {@code at}. */
    static void copySums(double[] ds, int points, int on, int in, double[] part, int at, int outG, int inG) {
        for (int pt = 0; pt < points; pt++) {
            for (int o = 0; o < on; o++) {
                for (int i = 0; i < in; i++) part[at + (pt * outG + o) * inG + i] = ds[(pt * on + o) * in + i];
            }
        }
    }

    /**
     * {@code sums[o][c..c+4L] += sum over k < k1 of db[o][k] * vt[k][c..c+4L]} for 4 outputs: the sums start from
     * {@code src} (output stride {@code srcRow}, vector stride {@code srcCol}; strides 0 over {@link #ZEROS}: from
     * zero without a branch) and are stored to {@code dst} at b (output stride {@code dstRow}).
     */
    private static void gemmTransposed(float[] vt, float[] db, float[] src, int a, int srcRow, int srcCol, float[] dst,
                                       int b, int dstRow, int vAt, int dAt, int row, int vStride, int k1) {
        FloatVector a00 = ld(src, a), a01 = ld(src, a + srcCol), a02 = ld(src, a + 2 * srcCol), a03 = ld(src, a + 3 * srcCol);
        int a1 = a + srcRow;
        FloatVector a10 = ld(src, a1), a11 = ld(src, a1 + srcCol), a12 = ld(src, a1 + 2 * srcCol), a13 = ld(src, a1 + 3 * srcCol);
        int a2 = a1 + srcRow;
        FloatVector a20 = ld(src, a2), a21 = ld(src, a2 + srcCol), a22 = ld(src, a2 + 2 * srcCol), a23 = ld(src, a2 + 3 * srcCol);
        int a3 = a2 + srcRow;
        FloatVector a30 = ld(src, a3), a31 = ld(src, a3 + srcCol), a32 = ld(src, a3 + 2 * srcCol), a33 = ld(src, a3 + 3 * srcCol);
        for (int k = 0, v = vAt, d = dAt; k < k1; k++, v += vStride, d++) {
            FloatVector v0 = FloatVector.fromArray(S, vt, v), v1 = FloatVector.fromArray(S, vt, v + L);
            FloatVector v2 = FloatVector.fromArray(S, vt, v + 2 * L), v3 = FloatVector.fromArray(S, vt, v + 3 * L);
            FloatVector w0 = FloatVector.broadcast(S, db[d]), w1 = FloatVector.broadcast(S, db[d + row]);
            FloatVector w2 = FloatVector.broadcast(S, db[d + 2 * row]), w3 = FloatVector.broadcast(S, db[d + 3 * row]);
            a00 = v0.fma(w0, a00); a01 = v1.fma(w0, a01); a02 = v2.fma(w0, a02); a03 = v3.fma(w0, a03);
            a10 = v0.fma(w1, a10); a11 = v1.fma(w1, a11); a12 = v2.fma(w1, a12); a13 = v3.fma(w1, a13);
            a20 = v0.fma(w2, a20); a21 = v1.fma(w2, a21); a22 = v2.fma(w2, a22); a23 = v3.fma(w2, a23);
            a30 = v0.fma(w3, a30); a31 = v1.fma(w3, a31); a32 = v2.fma(w3, a32); a33 = v3.fma(w3, a33);
        }
        int b1 = b + dstRow, b2 = b1 + dstRow, b3 = b2 + dstRow;
        a00.intoArray(dst, b); a01.intoArray(dst, b + L); a02.intoArray(dst, b + 2 * L); a03.intoArray(dst, b + 3 * L);
        a10.intoArray(dst, b1); a11.intoArray(dst, b1 + L); a12.intoArray(dst, b1 + 2 * L); a13.intoArray(dst, b1 + 3 * L);
        a20.intoArray(dst, b2); a21.intoArray(dst, b2 + L); a22.intoArray(dst, b2 + 2 * L); a23.intoArray(dst, b2 + 3 * L);
        a30.intoArray(dst, b3); a31.intoArray(dst, b3 + L); a32.intoArray(dst, b3 + 2 * L); a33.intoArray(dst, b3 + 3 * L);
    }

    /**
     * One row of a chunk's transformed points: the chunk's tiles and one vector of padding (rows a power of two apart
     * would share L1 sets).
     */
    private static final int WEIGHT_ROW = (WEIGHT_NT + 1) * L;

    /**
     * The tiles fit one chunk (4x4 images: a batch of 128 is 32 tiles): every 4 x 4 block of sums is finished in
     * registers and its lanes summed straight away, so no sum goes through the 4 MiB buffer of the chunked case
     * (its zeroing, reload, store and final read: 1.15x of the time at 256@4x4).
     */
    private static void weightBlockOneChunk(ConvParams p, float[] x, float[] dy, int g, int o0, int on, int i0, int in,
                                            int q0, int q1, double[] part, int partAt) {
        final int row = WEIGHT_ROW, vPoint = in * row, dPoint = on * row, off = Simd.ALIGN;
        final int outG = p.coutPerGroup(), inG = p.cinPerGroup();
        float[][] bufs = WEIGHT_BUFFERS.get();
        float[] vb = buffer(bufs, 1, 16 * vPoint), db = buffer(bufs, 2, 16 * dPoint), s = buffer(bufs, 0, 16 * L);
        chunkInputs(p, x, g, i0, in, q0, q1 - q0, vb, row, vPoint, off);
        chunkGradients(p, dy, g, o0, on, q0, q1 - q0, db, row, dPoint, off);
        for (int pt = 0; pt < 16; pt++) {
            for (int i4 = 0; i4 < in; i4 += 4) {
                for (int o4 = 0; o4 < on; o4 += 4) {
                    pointBlock(vb, db, ZEROS, 0, 0, 0, s, off, 4 * L, off + pt * vPoint + i4 * row,
                            off + pt * dPoint + o4 * row, q1 - q0, row);
                    int at = partAt + (pt * outG + o0 + o4) * inG + i0 + i4;
                    for (int o = 0; o < 4; o++) {
                        for (int i = 0; i < 4; i++) part[at + o * inG + i] = Lanes.sum(ld(s, off + (o * 4 + i) * L));
                    }
                }
            }
        }
    }

    /**
     * More tiles than a chunk: per chunk the 16 points' GEMMs add to vector sums kept in a buffer, whose lanes are
     * summed at the end.
     */
    private static void weightBlockChunked(ConvParams p, float[] x, float[] dy, int g, int o0, int on, int i0, int in,
                                           int q0, int q1, double[] part, int partAt) {
        final int nt = WEIGHT_NT, sumFloats = 16 * on * in * L;
        final int row = WEIGHT_ROW, vPoint = in * row, dPoint = on * row, off = Simd.ALIGN;
        final int outG = p.coutPerGroup(), inG = p.cinPerGroup();
        float[][] bufs = WEIGHT_BUFFERS.get();
        float[] s = buffer(bufs, 0, sumFloats), vb = buffer(bufs, 1, 16 * vPoint), db = buffer(bufs, 2, 16 * dPoint);
        java.util.Arrays.fill(s, off, off + sumFloats, 0f);
        for (int c0 = q0; c0 < q1; c0 += nt) {
            int n = Math.min(nt, q1 - c0);
            chunkInputs(p, x, g, i0, in, c0, n, vb, row, vPoint, off);
            chunkGradients(p, dy, g, o0, on, c0, n, db, row, dPoint, off);
            for (int pt = 0; pt < 16; pt++) pointGemm(vb, db, s, off + pt * vPoint, off + pt * dPoint, off + pt * on * in * L, on, in, n, row);
        }
        for (int pt = 0; pt < 16; pt++) {
            for (int o = 0; o < on; o++) {
                for (int i = 0; i < in; i++) {
                    part[partAt + (pt * outG + o0 + o) * inG + i0 + i] = Lanes.sum(FloatVector.fromArray(S, s, off + ((pt * on + o) * in + i) * L));
                }
            }
        }
    }

    /**
     * All 16 transform points {@code B^T d B} of tiles c0..c0+n, input channels i0..i0+in, into {@code vb} from index
     * {@code base} on as {@code [point][channel][tile]} (points {@code pointFloats}, channels {@code row} floats
     * apart); zero outside the image. A channel's tiles are taken in runs along a tile row, so x is read in order,
     * each input once per tile.
     */
    private static void chunkInputs(ConvParams p, float[] x, int g, int i0, int in, int c0, int n, float[] vb, int row,
                                    int pointFloats, int base) {
        final int hi = p.h(), wi = p.w(), tw = p.ow() / 2, perPlane = (p.oh() / 2) * tw;
        final long plane = planeFloats(hi, wi), rowFloats = (long) wi * P;
        final int pf = pointFloats;
        for (int q = 0; q < n; ) {
            final int tile = c0 + q, nb = tile / perPlane, tq = tile % perPlane, ty = tq / tw, tx0 = tq % tw;
            final int run = Math.min(n - q, tw - tx0);
            // rows 2ty and 2ty+1 are always inside; the row above (ty = 0) and below (the last tile row) may not be:
            // they read zeros from ZEROS at offset 0
            final boolean top = ty > 0, bottom = 2 * ty + 2 < hi;
            final float[] x0 = top ? x : ZEROS, x3 = bottom ? x : ZEROS;
            final long s0 = top ? P : 0, s3 = bottom ? P : 0;
            for (int i = 0; i < in; i++) {
                final long chan = ((long) nb * p.cin() + (long) g * p.cinPerGroup() + i0 + i) * plane;
                final long r1 = chan + 2L * ty * rowFloats, r2 = r1 + rowFloats;
                final long r0 = top ? r1 - rowFloats : 0, r3 = bottom ? r2 + rowFloats : 0;
                int at = base + i * row + q * L;
                for (int k = 0; k < run; k++, at += L) {
                    final int c = 2 * (tx0 + k) - 1;
                    final boolean left = c >= 0, right = c + 3 < wi;
                    // column j of the tile: B^T down the column (rows 0..3), then B along the rows; the columns left
                    // and right of the image read ZEROS (a vector chosen by a branch would be boxed by C2)
                    final float[] l0 = left ? x0 : ZEROS, l1 = left ? x : ZEROS, l3 = left ? x3 : ZEROS;
                    final long cl = left ? c : 0, ls = left ? P : 0, ls0 = left ? s0 : 0, ls3 = left ? s3 : 0;
                    final long lr1 = left ? r1 : 0, lr2 = left ? r2 : 0, lr0 = left ? r0 : 0, lr3 = left ? r3 : 0;
                    FloatVector a0 = FloatVector.fromArray(S, l0, (int) (lr0 + cl * ls0)), a1 = ld(l1, lr1 + cl * ls);
                    FloatVector a2 = ld(l1, lr2 + cl * ls), a3 = FloatVector.fromArray(S, l3, (int) (lr3 + cl * ls3));
                    FloatVector t00 = a0.sub(a2), t10 = a1.add(a2), t20 = a2.sub(a1), t30 = a1.sub(a3);
                    a0 = FloatVector.fromArray(S, x0, (int) (r0 + (c + 1) * s0)); a1 = ld(x, r1 + (c + 1) * P);
                    a2 = ld(x, r2 + (c + 1) * P); a3 = FloatVector.fromArray(S, x3, (int) (r3 + (c + 1) * s3));
                    FloatVector t01 = a0.sub(a2), t11 = a1.add(a2), t21 = a2.sub(a1), t31 = a1.sub(a3);
                    a0 = FloatVector.fromArray(S, x0, (int) (r0 + (c + 2) * s0)); a1 = ld(x, r1 + (c + 2) * P);
                    a2 = ld(x, r2 + (c + 2) * P); a3 = FloatVector.fromArray(S, x3, (int) (r3 + (c + 2) * s3));
                    FloatVector t02 = a0.sub(a2), t12 = a1.add(a2), t22 = a2.sub(a1), t32 = a1.sub(a3);
                    final float[] e0 = right ? x0 : ZEROS, e1 = right ? x : ZEROS, e3 = right ? x3 : ZEROS;
                    final long cr = right ? c + 3 : 0, rs = right ? P : 0, rs0 = right ? s0 : 0, rs3 = right ? s3 : 0;
                    final long rr1 = right ? r1 : 0, rr2 = right ? r2 : 0, rr0 = right ? r0 : 0, rr3 = right ? r3 : 0;
                    a0 = FloatVector.fromArray(S, e0, (int) (rr0 + cr * rs0)); a1 = ld(e1, rr1 + cr * rs);
                    a2 = ld(e1, rr2 + cr * rs); a3 = FloatVector.fromArray(S, e3, (int) (rr3 + cr * rs3));
                    FloatVector t03 = a0.sub(a2), t13 = a1.add(a2), t23 = a2.sub(a1), t33 = a1.sub(a3);
                    t00.sub(t02).intoArray(vb, at); t01.add(t02).intoArray(vb, at + pf);
                    t02.sub(t01).intoArray(vb, at + 2 * pf); t01.sub(t03).intoArray(vb, at + 3 * pf);
                    t10.sub(t12).intoArray(vb, at + 4 * pf); t11.add(t12).intoArray(vb, at + 5 * pf);
                    t12.sub(t11).intoArray(vb, at + 6 * pf); t11.sub(t13).intoArray(vb, at + 7 * pf);
                    t20.sub(t22).intoArray(vb, at + 8 * pf); t21.add(t22).intoArray(vb, at + 9 * pf);
                    t22.sub(t21).intoArray(vb, at + 10 * pf); t21.sub(t23).intoArray(vb, at + 11 * pf);
                    t30.sub(t32).intoArray(vb, at + 12 * pf); t31.add(t32).intoArray(vb, at + 13 * pf);
                    t32.sub(t31).intoArray(vb, at + 14 * pf); t31.sub(t33).intoArray(vb, at + 15 * pf);
                }
            }
            q += run;
        }
    }

    /**
     * All 16 transform points {@code A dY A^T} of tiles c0..c0+n, output channels o0..o0+on, into
     * {@code db} from index {@code base} on as {@code [point][channel][tile]}: rows (a, a+b, a-b, -b) of the 2x2 tile,
     * then the same along each row.
     */
    private static void chunkGradients(ConvParams p, float[] dy, int g, int o0, int on, int c0, int n, float[] db,
                                       int row, int pointFloats, int base) {
        final int wo = p.ow(), tw = wo / 2, perPlane = (p.oh() / 2) * tw;
        final long plane = planeFloats(p.oh(), wo);
        final int pf = pointFloats;
        for (int q = 0; q < n; ) {
            final int tile = c0 + q, nb = tile / perPlane, tq = tile % perPlane, ty = tq / tw, tx0 = tq % tw;
            final int run = Math.min(n - q, tw - tx0);
            for (int o = 0; o < on; o++) {
                long off = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o0 + o) * plane + ((long) 2 * ty * wo + 2L * tx0) * P;
                int at = base + o * row + q * L;
                for (int k = 0; k < run; k++, at += L, off += 2 * P) {
                    FloatVector d00 = ld(dy, off), d01 = ld(dy, off + P), d10 = ld(dy, off + wo * P), d11 = ld(dy, off + wo * P + P);
                    FloatVector s0 = d00.add(d10), s1 = d01.add(d11), e0 = d00.sub(d10), e1 = d01.sub(d11);
                    d00.intoArray(db, at); d00.add(d01).intoArray(db, at + pf);
                    d00.sub(d01).intoArray(db, at + 2 * pf); d01.neg().intoArray(db, at + 3 * pf);
                    s0.intoArray(db, at + 4 * pf); s0.add(s1).intoArray(db, at + 5 * pf);
                    s0.sub(s1).intoArray(db, at + 6 * pf); s1.neg().intoArray(db, at + 7 * pf);
                    e0.intoArray(db, at + 8 * pf); e0.add(e1).intoArray(db, at + 9 * pf);
                    e0.sub(e1).intoArray(db, at + 10 * pf); e1.neg().intoArray(db, at + 11 * pf);
                    d10.neg().intoArray(db, at + 12 * pf); d10.add(d11).neg().intoArray(db, at + 13 * pf);
                    d11.sub(d10).intoArray(db, at + 14 * pf); d11.intoArray(db, at + 15 * pf);
                }
            }
            q += run;
        }
    }

    /**
     * {@code s[o][i] += sum over tiles db[o][tile] * vb[i][tile]}, lane by lane, in 4 x 4 blocks of
     * {@link #pointBlock}.
     */
    private static void pointGemm(float[] vb, float[] db, float[] s, int vAt, int dAt, int sAt, int on, int in, int n, int row) {
        for (int i4 = 0; i4 < in; i4 += 4) {
            for (int o4 = 0; o4 < on; o4 += 4) {
                int a = sAt + (o4 * in + i4) * L;
                pointBlock(vb, db, s, a, in * L, L, s, a, in * L, vAt + i4 * row, dAt + o4 * row, n, row);
            }
        }
    }

    /**
     * 4 outputs x 4 inputs of one point over n tiles: eight operand rows read in order (their padded row length keeps
     * them in different L1 sets). The sums start from {@code src} (output stride {@code srcRow}, input stride
     * {@code srcCol}; strides 0 over {@link #ZEROS}: from zero, without a branch C2 could leave uncompiled) and are
     * stored to {@code dst} (output stride {@code dstRow}, inputs consecutive).
     */
    private static void pointBlock(float[] vb, float[] db, float[] src, int a, int srcRow, int srcCol, float[] dst,
                                   int b, int dstRow, int vAt, int dAt, int n, int row) {
        FloatVector a00 = ld(src, a), a01 = ld(src, a + srcCol), a02 = ld(src, a + 2 * srcCol), a03 = ld(src, a + 3 * srcCol);
        int a1 = a + srcRow;
        FloatVector a10 = ld(src, a1), a11 = ld(src, a1 + srcCol), a12 = ld(src, a1 + 2 * srcCol), a13 = ld(src, a1 + 3 * srcCol);
        int a2 = a1 + srcRow;
        FloatVector a20 = ld(src, a2), a21 = ld(src, a2 + srcCol), a22 = ld(src, a2 + 2 * srcCol), a23 = ld(src, a2 + 3 * srcCol);
        int a3 = a2 + srcRow;
        FloatVector a30 = ld(src, a3), a31 = ld(src, a3 + srcCol), a32 = ld(src, a3 + 2 * srcCol), a33 = ld(src, a3 + 3 * srcCol);
        for (int q = 0, v = vAt, d = dAt; q < n; q++, v += L, d += L) {
            FloatVector v0 = FloatVector.fromArray(S, vb, v), v1 = FloatVector.fromArray(S, vb, v + row);
            FloatVector v2 = FloatVector.fromArray(S, vb, v + 2 * row), v3 = FloatVector.fromArray(S, vb, v + 3 * row);
            FloatVector d0 = FloatVector.fromArray(S, db, d), d1 = FloatVector.fromArray(S, db, d + row);
            FloatVector d2 = FloatVector.fromArray(S, db, d + 2 * row), d3 = FloatVector.fromArray(S, db, d + 3 * row);
            a00 = d0.fma(v0, a00); a01 = d0.fma(v1, a01); a02 = d0.fma(v2, a02); a03 = d0.fma(v3, a03);
            a10 = d1.fma(v0, a10); a11 = d1.fma(v1, a11); a12 = d1.fma(v2, a12); a13 = d1.fma(v3, a13);
            a20 = d2.fma(v0, a20); a21 = d2.fma(v1, a21); a22 = d2.fma(v2, a22); a23 = d2.fma(v3, a23);
            a30 = d3.fma(v0, a30); a31 = d3.fma(v1, a31); a32 = d3.fma(v2, a32); a33 = d3.fma(v3, a33);
        }
        int b1 = b + dstRow, b2 = b1 + dstRow, b3 = b2 + dstRow;
        a00.intoArray(dst, b); a01.intoArray(dst, b + L); a02.intoArray(dst, b + 2 * L); a03.intoArray(dst, b + 3 * L);
        a10.intoArray(dst, b1); a11.intoArray(dst, b1 + L); a12.intoArray(dst, b1 + 2 * L); a13.intoArray(dst, b1 + 3 * L);
        a20.intoArray(dst, b2); a21.intoArray(dst, b2 + L); a22.intoArray(dst, b2 + 2 * L); a23.intoArray(dst, b2 + 3 * L);
        a30.intoArray(dst, b3); a31.intoArray(dst, b3 + L); a32.intoArray(dst, b3 + 2 * L); a33.intoArray(dst, b3 + 3 * L);
    }
}
