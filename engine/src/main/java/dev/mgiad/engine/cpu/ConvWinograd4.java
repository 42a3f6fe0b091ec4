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
import static dev.mgiad.engine.cpu.ConvWinograd.ZEROS;

/**
 * 3x3, stride 1, pad 1 by Winograd's F(4x4,3x3) (Lavin and Gray, points 0, 1, -1, 2, -2 and infinity): the forward
 * and, through {@link ConvDispatch#AS_FORWARD}, the input gradient. A 4x4 output tile comes from a 6x6 input tile
 * through 36 transform points: 2.25 multiplies per output and channel pair, against 4 for F(2x2,3x3)
 * ({@link ConvWinograd}, whose channel GEMM this file shares) and 9 for the direct kernels. The transforms
 * {@code V = B^T d B} and {@code Y = A^T M A} are lane-wise vector arithmetic in the batch-innermost layout, as for
 * F(2x2); their coefficients (up to 5 and 8) and the weight transform's (1/24) make the rounding error larger:
 * measured against a double-precision reference in the README. The weight gradient
 * {@code dg = G^T [sum over tiles (A dY A^T) . (B^T d B)] G} is {@link ConvWinograd}'s transposed GEMM with 36 points.
 */
final class ConvWinograd4 {
    private ConvWinograd4() { }

    /**
     * -Dmgiad.winograd.f4=false: F(2x2,3x3) wherever Winograd runs, for A/B measurements (not final, so that a harness
     * can also flip it inside one JVM).
     */
    static boolean ENABLED = Boolean.parseBoolean(System.getProperty("mgiad.winograd.f4", "true"));

    static final ConvDispatch.Forward FORWARD = new ConvDispatch.Forward(
            "3x3 s1 Winograd F(4x4,3x3): 36 transform points, 4 channels x 4 tiles per point", ConvWinograd4::applies,
            ConvWinograd4::transformWeights, j -> 4, ConvWinograd4::band);

    /** Whole tile rows of 4 tiles each (the GEMM takes 4 tiles at a time) and enough channels for Winograd. */
    static boolean eligible(ConvJob j) {
        return j.is3x3(1) && j.ho % 4 == 0 && j.wo % 16 == 0 && j.outG % 4 == 0 && j.inG >= 16;
    }

    /** Only where {@code auto} chooses: {@code --conv-algo winograd} means F(2x2,3x3) everywhere it applies. */
    static boolean applies(ConvJob j) {
        return ENABLED && j.algo == dev.mgiad.engine.backend.ConvAlgorithm.AUTO && eligible(j) && ConvWinograd.pays(j);
    }

    /** Tiles per chunk: their 36 transformed points of input and products take about 1 MiB (L2), at least 4. */
    static int chunkTiles(ConvJob j) {
        int t = (256 << 10) / (36 * (j.inG + j.outG) * L);
        return Math.max(4, Math.min(64, t / 4 * 4));
    }

    /** G (6 x 3) of F(4x4,3x3). */
    private static final double[][] G = {
            {1 / 4.0, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
            {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};

    /** The transformed weights of the calling thread's last call, reused. */
    private static final ThreadLocal<float[]> PACKED = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * {@code U = G g G^T} for every (output, input) channel pair, in double and rounded once, as
     * {@code [point][group][tile][input][4 outputs]} (the layout {@link ConvWinograd#gemm} reads).
     */
    static void transformWeights(ConvJob j) {
        int tiles = j.outG / 4, point = j.groups * tiles * j.inG * 4, n = 36 * point;
        float[] u = PACKED.get();
        if (u.length < n) { u = new float[n]; PACKED.set(u); }
        double[] gk = new double[9], gg = new double[18];
        for (int g = 0; g < j.groups; g++) {
            for (int o = 0; o < j.outG; o++) {
                for (int i = 0; i < j.inG; i++) {
                    for (int tap = 0; tap < 9; tap++) gk[tap] = j.weight(g, o, i, tap);
                    for (int r = 0; r < 6; r++) {
                        for (int c = 0; c < 3; c++) gg[r * 3 + c] = G[r][0] * gk[c] + G[r][1] * gk[3 + c] + G[r][2] * gk[6 + c];
                    }
                    int at = ((g * tiles + o / 4) * j.inG + i) * 4 + o % 4;
                    for (int r = 0; r < 6; r++) {
                        for (int k = 0; k < 6; k++) {
                            double s = G[k][0] * gg[r * 3] + G[k][1] * gg[r * 3 + 1] + G[k][2] * gg[r * 3 + 2];
                            u[at + (r * 6 + k) * point] = (float) s;
                        }
                    }
                }
            }
        }
        j.packedW = u;
    }

    /** Output rows y0..y1 (multiples of 4) of block nb, group g, in chunks of tiles; as {@link ConvWinograd#band}. */
    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        final int tw = j.wo / 4, nt = chunkTiles(j);
        final int first = (y0 / 4) * tw, end = (y1 / 4) * tw;
        float[][] bufs = ConvWinograd.BUFFERS.get();
        final int a = Simd.ALIGN;
        final int vPoint = ConvWinograd.pointFloats(j.inG, nt), mPoint = ConvWinograd.pointFloats(j.outG, nt);
        float[] v = ConvWinograd.buffer(bufs, 0, 36 * vPoint), m = ConvWinograd.buffer(bufs, 1, 36 * mPoint);
        float[] tmp = ConvWinograd.buffer(bufs, 2, 36 * L);
        int done = y0;
        for (int q0 = first; q0 < end; q0 += nt) {
            int n = Math.min(nt, end - q0);
            for (int i = 0; i < j.inG; i++) {
                for (int q = 0; q < n; q++) inputTile(j, nb, g, i, q0 + q, tw, v, tmp, a + (i * nt + q) * L, vPoint);
            }
            ConvWinograd.gemm(j, g, v, m, n, nt, a, 36, vPoint, mPoint);
            for (int o = 0; o < j.outG; o++) {
                for (int q = 0; q < n; q++) outputTile(j, nb, g, o, q0 + q, tw, m, tmp, a + (o * nt + q) * L, mPoint);
            }
            int rows = (q0 + n) / tw * 4;
            if (rows > done) {
                epilogue(j, nb, g, done * j.wo, rows * j.wo);
                done = rows;
            }
        }
    }

    /**
     * {@code V = B^T d B} of tile q (row q / tw, column q % tw) of input channel i, zero outside the image; point
     * (r, k) goes to {@code v[at + (6r + k) * pointStride]}. Rows first (B^T along x into {@code tmp}), then columns.
     */
    private static void inputTile(ConvJob j, int nb, int g, int i, int q, int tw, float[] v, float[] tmp, int at,
                                  int pointStride) {
        final int ty = q / tw, tx = q % tw, hi = j.hi, wi = j.wi;
        final long chan = ((long) nb * j.ci + (long) g * j.inG + i) * planeFloats(hi, wi);
        final int x0 = 4 * tx - 1;
        final boolean left = x0 >= 0, right = x0 + 5 < wi;
        final int t = Simd.ALIGN;
        for (int r = 0; r < 6; r++) {
            // outside the image: ZEROS at offset 0 (a vector chosen by a branch would be boxed)
            final int iy = 4 * ty - 1 + r;
            final boolean inside = iy >= 0 && iy < hi;
            final float[] row = inside ? j.in : ZEROS;
            final long off = inside ? chan + ((long) iy * wi + x0) * P : 0, step = inside ? P : 0;
            FloatVector d0 = FloatVector.fromArray(S, left ? row : ZEROS, (int) (left ? off : 0));
            FloatVector d1 = FloatVector.fromArray(S, row, (int) (off + step));
            FloatVector d2 = FloatVector.fromArray(S, row, (int) (off + 2 * step));
            FloatVector d3 = FloatVector.fromArray(S, row, (int) (off + 3 * step));
            FloatVector d4 = FloatVector.fromArray(S, row, (int) (off + 4 * step));
            FloatVector d5 = FloatVector.fromArray(S, right ? row : ZEROS, (int) (right ? off + 5 * step : 0));
            transform6(d0, d1, d2, d3, d4, d5, tmp, t + r * 6 * L, L);
        }
        for (int k = 0; k < 6; k++) {
            int c = t + k * L;
            transform6(ld(tmp, c), ld(tmp, c + 6 * L), ld(tmp, c + 12 * L), ld(tmp, c + 18 * L), ld(tmp, c + 24 * L),
                    ld(tmp, c + 30 * L), v, at + k * pointStride, 6 * pointStride);
        }
    }

    /**
     * B^T of F(4x4,3x3) applied to d0..d5, the six results stored at {@code to + k * stride}. Inlined by C2 (small),
     * so its vector arguments are not boxed.
     */
    private static void transform6(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, FloatVector d4,
                                   FloatVector d5, float[] to, int at, int stride) {
        FloatVector t0 = d2.mul(-4f).add(d4), t1 = d1.mul(-4f).add(d3); // d4 - 4 d2, d3 - 4 d1
        FloatVector t2 = d4.sub(d2), t3 = d3.sub(d1).mul(2f);            // d4 - d2, 2 (d3 - d1)
        d0.mul(4f).add(d4).sub(d2.mul(5f)).intoArray(to, at);
        t0.add(t1).intoArray(to, at + stride);
        t0.sub(t1).intoArray(to, at + 2 * stride);
        t2.add(t3).intoArray(to, at + 3 * stride);
        t2.sub(t3).intoArray(to, at + 4 * stride);
        d1.mul(4f).add(d5).sub(d3.mul(5f)).intoArray(to, at + 5 * stride);
    }

    /** {@code Y = A^T M A} of tile q of output channel o: the 4x4 output pixels, raw sums. Columns first, then rows. */
    private static void outputTile(ConvJob j, int nb, int g, int o, int q, int tw, float[] m, float[] tmp, int at,
                                   int pointStride) {
        final int ty = q / tw, tx = q % tw, t = Simd.ALIGN;
        for (int k = 0; k < 6; k++) {
            int c = at + k * pointStride, rs = 6 * pointStride;
            inverse6(ld(m, c), ld(m, c + rs), ld(m, c + 2 * rs), ld(m, c + 3 * rs), ld(m, c + 4 * rs), ld(m, c + 5 * rs),
                    tmp, t + k * L, 6 * L);
        }
        final long out = ((long) nb * j.co + (long) g * j.outG + o) * planeFloats(j.ho, j.wo)
                + ((long) 4 * ty * j.wo + 4L * tx) * P;
        for (int r = 0; r < 4; r++) {
            int c = t + r * 6 * L;
            inverse6(ld(tmp, c), ld(tmp, c + L), ld(tmp, c + 2 * L), ld(tmp, c + 3 * L), ld(tmp, c + 4 * L),
                    ld(tmp, c + 5 * L), j.out, (int) (out + r * j.wo * P), (int) P);
        }
    }

    /** A^T of F(4x4,3x3) applied to m0..m5, the four results stored at {@code to + k * stride}. */
    private static void inverse6(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3, FloatVector m4,
                                 FloatVector m5, float[] to, int at, int stride) {
        FloatVector s1 = m1.add(m2), s2 = m1.sub(m2), s3 = m3.add(m4), s4 = m3.sub(m4);
        m0.add(s1).add(s3).intoArray(to, at);
        s4.mul(2f).add(s2).intoArray(to, at + stride);
        s3.mul(4f).add(s1).intoArray(to, at + 2 * stride);
        s4.mul(8f).add(s2).add(m5).intoArray(to, at + 3 * stride);
    }

    // ------------------------------------------------------------------ weight gradient

    static final ConvDispatch.BackwardWeights BACKWARD_WEIGHTS = new ConvDispatch.BackwardWeights(
            "3x3 s1 Winograd F(4x4,3x3) weight gradient: per transform point a channel GEMM over tiles x batch lanes",
            ConvWinograd4::weightsApply, ConvWinograd4::backwardWeights);

    /**
     * 4x4 output tiles, and input channels in blocks of {@link ConvWinograd#WEIGHT_CB} that are multiples of 4L (the
     * transposed GEMM's register block), where {@code auto} takes Winograd's weight gradient and each work item has
     * {@link #MIN_ITEM_TILES} tiles.
     */
    static boolean weightsApply(ConvParams p, ConvAlgorithm algo) {
        if (!ENABLED || algo != ConvAlgorithm.AUTO || !ConvWinograd.TRANSPOSED) return false;
        int cb = Math.min(p.cinPerGroup(), ConvWinograd.WEIGHT_CB);
        return ConvJob.is3x3(p, 1) && p.oh() % 4 == 0 && p.ow() % 4 == 0 && p.coutPerGroup() % 4 == 0
                && cb % (4 * L) == 0 && p.cinPerGroup() % cb == 0 && ConvWinograd.weightsPay(p)
                && tilesPerItem(p) >= MIN_ITEM_TILES;
    }

    /**
     * Tiles a work item needs for F(4x4)'s weight gradient to pay: each item zeroes, flushes and copies 36 x 64 x 64
     * sums and transposes its inputs per tile, which few tiles do not amortise. Paired against F(2x2) in one JVM
     * (session 11, AMD EPYC Zen 5, 2 threads, batch 128): 32-128 tiles per item 1.08-1.20x (64@32x32, 128@16x16,
     * 256@8x8, 64 per group at 16x16), 16 tiles 0.95x (64@16x16 in 8 slices), 4-8 tiles 0.59-0.79x (64@8x8, 256@4x4,
     * 512@4x4).
     */
    static final int MIN_ITEM_TILES = 32;

    /** Tiles per work item at {@link ConvWinograd#WEIGHT_ITEMS} items (slices of the tiles where there are fewer). */
    static int tilesPerItem(ConvParams p) {
        long tiles = (long) ((p.n() + L - 1) / L) * (p.oh() / 4) * (p.ow() / 4);
        long items = (long) p.groups() * ((p.coutPerGroup() + ConvWinograd.WEIGHT_OB - 1) / ConvWinograd.WEIGHT_OB)
                * Math.max(1, p.cinPerGroup() / ConvWinograd.WEIGHT_CB);
        return (int) Math.min(Integer.MAX_VALUE, tiles * items / Math.max(items, ConvWinograd.WEIGHT_ITEMS));
    }

    /**
     * {@link ConvWinograd#weightsBySlices} with 36 points: work items (group, block of 64 outputs, block of 64 inputs)
     * and slices of the tiles where items are fewer than {@link ConvWinograd#WEIGHT_ITEMS}, then
     * {@code dg = G^T dU G} in double.
     */
    static void backwardWeights(ConvParams p, float[] x, float[] dy, float[] dw, float alpha, boolean accumulate,
                                int nBlocks, Parallel par) {
        final int outG = p.coutPerGroup(), inG = p.cinPerGroup();
        final int items = p.groups() * ((outG + ConvWinograd.WEIGHT_OB - 1) / ConvWinograd.WEIGHT_OB)
                * ((inG + ConvWinograd.WEIGHT_CB - 1) / ConvWinograd.WEIGHT_CB);
        final int tiles = nBlocks * (p.oh() / 4) * (p.ow() / 4);
        final int slices = Math.max(1, Math.min(tiles / MIN_ITEM_TILES, (ConvWinograd.WEIGHT_ITEMS + items - 1) / items));
        final ConvJob xj = ConvJob.forward(p, x, null, null, null, 1f, nBlocks, ConvAlgorithm.AUTO);
        ConvWinograd.weightsBySlices(p, dw, alpha, accumulate, par, 36, tiles, slices,
                (g, o0, on, i0, in, q0, q1, part, partAt) -> weightBlock(p, xj, dy, g, o0, on, i0, in, q0, q1, part, partAt),
                ConvWinograd4::taps);
    }

    /** F(4x4,3x3)'s {@code dg = G^T dU G}: first dU G (6 x 3) into scratch, then G^T of that, in double. */
    private static void taps(double[] u, double[] ug, float[] dw, long at, float alpha, boolean accumulate) {
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int k = 0; k < 6; k++) s += u[r * 6 + k] * G[k][c];
                ug[r * 3 + c] = s;
            }
        }
        for (int a = 0; a < 3; a++) {
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int r = 0; r < 6; r++) s += G[r][a] * ug[r * 3 + c];
                ConvWinograd.store(dw, at + a * 3 + c, s, alpha, accumulate);
            }
        }
    }

    /**
     * Tiles q0..q1 of output channels o0..o0+on x input channels i0..i0+in (a multiple of 4L) of group g, as
     * {@link ConvWinograd}'s transposed block: per chunk of tiles the inputs' 36 points are transposed per tile into
     * {@code vt[point][k][input]} (k = tile x batch lane), the gradients' into {@code db[point][output][k]}, and each
     * point's GEMM adds to float sums, flushed to double sums every {@link ConvWinograd#TRANSPOSED_FLUSH} chunks.
     */
    private static void weightBlock(ConvParams p, ConvJob xj, float[] dy, int g, int o0, int on, int i0, int in,
                                    int q0, int q1, double[] part, int partAt) {
        final int nt = ConvWinograd.TRANSPOSED_NT, row = (nt + 1) * L, dPoint = on * row, off = Simd.ALIGN;
        final int vPoint = nt * L * in, sums = 36 * on * in, scratch = 36 * L * L;
        final int outG = p.coutPerGroup(), inG = p.cinPerGroup(), tw = p.ow() / 4, perPlane = (p.oh() / 4) * tw;
        float[][] bufs = ConvWinograd.WEIGHT_BUFFERS.get();
        float[] cs = ConvWinograd.buffer(bufs, 0, sums + scratch), vt = ConvWinograd.buffer(bufs, 1, 36 * vPoint);
        float[] db = ConvWinograd.buffer(bufs, 2, 36 * dPoint);
        float[] tmp = ConvWinograd.buffer(ConvWinograd.BUFFERS.get(), 2, 36 * L); // the forward's scratch, not in use here
        final int sc = off + sums;
        double[] ds = ConvWinograd.WEIGHT_DSUMS.get();
        if (ds.length < sums) { ds = new double[sums]; ConvWinograd.WEIGHT_DSUMS.set(ds); }
        java.util.Arrays.fill(ds, 0, sums, 0);
        int pending = 0;
        for (int c0 = q0; c0 < q1; c0 += nt) {
            final int n = Math.min(nt, q1 - c0), k = n * L;
            for (int q = 0; q < n; q++) {
                int nb = (c0 + q) / perPlane, tq = (c0 + q) % perPlane;
                for (int c = 0; c < in; c += L) {
                    for (int ch = 0; ch < L; ch++) inputTile(xj, nb, g, i0 + c + ch, tq, tw, cs, tmp, sc + ch * L, L * L);
                    for (int pt = 0; pt < 36; pt++) {
                        Transposes.block(cs, sc + pt * L * L, L, vt, off + pt * vPoint + q * L * in + c, in);
                    }
                }
                for (int o = 0; o < on; o++) gradientTile(p, dy, nb, g, o0 + o, tq, tw, db, tmp, off + o * row + q * L, dPoint);
            }
            pending = ConvWinograd.chunkGemms(vt, db, cs, ds, 36, on, in, vPoint, dPoint, k, pending, c0 + nt >= q1);
        }
        ConvWinograd.copySums(ds, 36, on, in, part, partAt + o0 * inG + i0, outG, inG);
    }

    /**
     * {@code A dY A^T} of tile q (row q / tw, column q % tw) of output channel o, block nb: the 4x4 gradient tile to
     * 36 points, point (s, t) at {@code db[at + (6s + t) * pointStride]}. Rows first (into {@code tmp}), then columns.
     */
    private static void gradientTile(ConvParams p, float[] dy, int nb, int g, int o, int q, int tw, float[] db,
                                     float[] tmp, int at, int pointStride) {
        final int ty = q / tw, tx = q % tw, wo = p.ow(), t = Simd.ALIGN;
        final long base = ((long) nb * p.cout() + (long) g * p.coutPerGroup() + o) * planeFloats(p.oh(), wo)
                + ((long) 4 * ty * wo + 4L * tx) * P;
        for (int r = 0; r < 4; r++) {
            long off = base + (long) r * wo * P;
            gradient6(ld(dy, off), ld(dy, off + P), ld(dy, off + 2 * P), ld(dy, off + 3 * P), tmp, t + r * 6 * L, L);
        }
        for (int c = 0; c < 6; c++) {
            int a = t + c * L;
            gradient6(ld(tmp, a), ld(tmp, a + 6 * L), ld(tmp, a + 12 * L), ld(tmp, a + 18 * L), db, at + c * pointStride,
                    6 * pointStride);
        }
    }

    /** A (6 x 4, the transpose of A^T) applied to d0..d3, the six results stored at {@code to + k * stride}. */
    private static void gradient6(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, float[] to, int at,
                                  int stride) {
        FloatVector e = d0.add(d2), o = d1.add(d3), e4 = d2.mul(4f).add(d0), o4 = d3.mul(4f).add(d1).mul(2f);
        d0.intoArray(to, at);
        e.add(o).intoArray(to, at + stride);
        e.sub(o).intoArray(to, at + 2 * stride);
        e4.add(o4).intoArray(to, at + 3 * stride);
        e4.sub(o4).intoArray(to, at + 4 * stride);
        d3.intoArray(to, at + 5 * stride);
    }
}
