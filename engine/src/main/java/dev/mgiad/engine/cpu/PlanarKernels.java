package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Evaluation-mode operators on {@link Planar} activations ({@code [C][N][H][W]}), vectorised over pixels, for
 * inference on batches smaller than the SIMD width.
 *
 * <p>The training kernels keep 16 images in the lanes, so one image costs as much as sixteen. Here a convolution
 * is lowered per group to a matrix product: the input is unfolded into a column matrix ({@code k*k} shifted copies
 * of each input channel, zero where the window leaves the image) whose columns are the output pixels of all images,
 * packed so that a 4-output-channel x 2-vector register block reads it contiguously, and multiplied with the weight
 * rows. A single 32x32 image fills 64 vectors per channel, so the lanes do useful work. The unfolding costs
 * {@code k*k} copies of the input, small against the {@code cin/groups * k*k} multiply-adds per output value of the
 * grouped and dense layers; depthwise layers pay it fully, and they are the cheap ones.
 *
 * <p>Only forward, evaluation-mode operators exist here (no gradients, batch norm with running statistics). Every
 * call allocates its outputs and scratch, so one instance may be used by several threads at once: the team of
 * {@link Parallel} threads serves one parallel loop at a time and the callers take turns.
 */
public final class PlanarKernels implements AutoCloseable {
    static final VectorSpecies<Float> S = Simd.SPECIES;
    static final int L = Simd.LANES;
    /** Columns of one register tile: two vectors. */
    private static final int TILE = 2 * L;

    private final Parallel par;

    public PlanarKernels(int threads) { this.par = new Parallel(threads); }

    public int threads() { return par.threads(); }

    @Override public void close() { par.close(); }

    // ------------------------------------------------------------------ convolution

    /**
     * {@code base + alpha * conv(x, w)} with {@code w} as {@code [cout, cin/groups, k, k]} floats; {@code base} may be
     * null. The problem's batch and input shape must be {@code x}'s.
     */
    public Planar conv(ConvParams p, Planar x, float[] w, Planar base, float alpha) {
        if (p.n() != x.n() || p.cin() != x.c() || p.h() != x.h() || p.w() != x.w()) {
            throw new IllegalArgumentException(p.descriptor() + ": input is [" + x.n() + ", " + x.c() + ", " + x.h() + ", " + x.w() + "]");
        }
        if (w.length != p.weightElements()) {
            throw new IllegalArgumentException(p.descriptor() + ": " + w.length + " weights, expected " + p.weightElements());
        }
        int oh = p.oh(), ow = p.ow(), cols = p.n() * oh * ow;
        if (base != null && (base.n() != p.n() || base.c() != p.cout() || base.h() != oh || base.w() != ow)) {
            throw new IllegalArgumentException(p.descriptor() + ": base has the wrong shape");
        }
        if (p.stride() == 1 && 2 * p.pad() == p.k() - 1) return direct(p, x, w, base, alpha);
        int tiles = (cols + TILE - 1) / TILE, k = p.cinPerGroup() * p.taps();
        float[] packed = unfold(p, x, tiles);
        float[] y = new float[p.cout() * cols];
        int outG = p.coutPerGroup(), blocksPerGroup = (outG + 3) / 4, blocks = p.groups() * blocksPerGroup;
        float[] b = base == null ? null : base.data();
        par.forRange(blocks * tiles, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int tile = it / blocks, blk = it % blocks, g = blk / blocksPerGroup;
                int o0 = g * outG + (blk % blocksPerGroup) * 4, rows = Math.min(4, (g + 1) * outG - o0);
                int panel = (tile * p.groups() + g) * k * TILE;
                if (rows == 4) block4(w, o0 * k, k, packed, panel, y, b, o0, cols, tile * TILE, alpha);
                else for (int r = 0; r < rows; r++) block1(w, (o0 + r) * k, k, packed, panel, y, b, o0 + r, cols, tile * TILE, alpha);
            }
        });
        return new Planar(p.n(), p.cout(), oh, ow, y);
    }

    /**
     * Stride-1 "same" convolutions (the 3x3 and 1x1 layers, most of every model) without unfolding: for output
     * column c (pixel {@code (i, y, x)} of the channel row), tap {@code (dy, dx)} reads input column
     * {@code c + dy*W + dx} of the same channel row whenever the tap stays inside the image, so a register tile
     * loads each tap's input with one contiguous, masked load. The masks depend only on the column and the tap and
     * are computed once per call; the input is copied once into rows with a margin, so no load leaves the array.
     */
    private Planar direct(ConvParams p, Planar x, float[] w, Planar base, float alpha) {
        int k = p.k(), taps = p.taps(), pad = p.pad(), h = p.h(), wd = p.w(), cols = x.row();
        int tiles = (cols + TILE - 1) / TILE, margin = pad * wd + pad, rowStride = tiles * TILE + 2 * margin;
        float[] in = x.data(), padded = new float[p.cin() * rowStride];
        for (int c = 0; c < p.cin(); c++) System.arraycopy(in, c * cols, padded, c * rowStride + margin, cols);
        // valid[t][c] = 1 where tap t of output column c is inside the image (columns past the end: 0)
        float[][] valid = new float[taps][tiles * TILE];
        int[] shift = new int[taps];
        for (int t = 0; t < taps; t++) {
            int dy = t / k - pad, dx = t % k - pad;
            shift[t] = dy * wd + dx;
            for (int c = 0; c < cols; c++) {
                int yy = (c / wd) % h + dy, xx = c % wd + dx;
                if (yy >= 0 && yy < h && xx >= 0 && xx < wd) valid[t][c] = 1f;
            }
        }
        float[] y = new float[p.cout() * cols];
        int inG = p.cinPerGroup(), outG = p.coutPerGroup(), blocksPerGroup = (outG + 3) / 4, blocks = p.groups() * blocksPerGroup;
        int kw = inG * taps;
        float[] b = base == null ? null : base.data();
        par.forRange(blocks * tiles, (from, to, th) -> {
            for (int it = from; it < to; it++) {
                int tile = it / blocks, blk = it % blocks, g = blk / blocksPerGroup;
                int o0 = g * outG + (blk % blocksPerGroup) * 4, rows = Math.min(4, (g + 1) * outG - o0);
                int col = tile * TILE, in0 = g * inG * rowStride + margin + col;
                if (rows == 4) direct4(w, o0 * kw, taps, inG, padded, in0, rowStride, valid, shift, y, b, o0, cols, col, alpha);
                else for (int r = 0; r < rows; r++) direct1(w, (o0 + r) * kw, taps, inG, padded, in0, rowStride, valid, shift, y, b, o0 + r, cols, col, alpha);
            }
        });
        return new Planar(p.n(), p.cout(), p.oh(), p.ow(), y);
    }

    /** Four output channels times two vectors of columns, reading the taps from the input rows directly. */
    private static void direct4(float[] w, int wOff, int taps, int inG, float[] a, int in0, int rowStride, float[][] valid,
                                int[] shift, float[] y, float[] base, int o, int cols, int col, float alpha) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int kw = inG * taps;
        for (int t = 0; t < taps; t++) {
            VectorMask<Float> m0 = FloatVector.fromArray(S, valid[t], col).compare(VectorOperators.NE, 0f);
            VectorMask<Float> m1 = FloatVector.fromArray(S, valid[t], col + L).compare(VectorOperators.NE, 0f);
            int ai = in0 + shift[t];
            for (int ci = 0; ci < inG; ci++, ai += rowStride) {
                FloatVector a0 = FloatVector.fromArray(S, a, ai, m0), a1 = FloatVector.fromArray(S, a, ai + L, m1);
                int wi = wOff + ci * taps + t;
                FloatVector w0 = FloatVector.broadcast(S, w[wi]), w1 = FloatVector.broadcast(S, w[wi + kw]);
                FloatVector w2 = FloatVector.broadcast(S, w[wi + 2 * kw]), w3 = FloatVector.broadcast(S, w[wi + 3 * kw]);
                c00 = a0.fma(w0, c00); c01 = a1.fma(w0, c01);
                c10 = a0.fma(w1, c10); c11 = a1.fma(w1, c11);
                c20 = a0.fma(w2, c20); c21 = a1.fma(w2, c21);
                c30 = a0.fma(w3, c30); c31 = a1.fma(w3, c31);
            }
        }
        store(c00, y, base, o * cols + col, cols - col, alpha);
        store(c01, y, base, o * cols + col + L, cols - col - L, alpha);
        store(c10, y, base, (o + 1) * cols + col, cols - col, alpha);
        store(c11, y, base, (o + 1) * cols + col + L, cols - col - L, alpha);
        store(c20, y, base, (o + 2) * cols + col, cols - col, alpha);
        store(c21, y, base, (o + 2) * cols + col + L, cols - col - L, alpha);
        store(c30, y, base, (o + 3) * cols + col, cols - col, alpha);
        store(c31, y, base, (o + 3) * cols + col + L, cols - col - L, alpha);
    }

    /** One output channel of {@link #direct4} (group remainders, depthwise layers). */
    private static void direct1(float[] w, int wOff, int taps, int inG, float[] a, int in0, int rowStride, float[][] valid,
                                int[] shift, float[] y, float[] base, int o, int cols, int col, float alpha) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        for (int t = 0; t < taps; t++) {
            VectorMask<Float> m0 = FloatVector.fromArray(S, valid[t], col).compare(VectorOperators.NE, 0f);
            VectorMask<Float> m1 = FloatVector.fromArray(S, valid[t], col + L).compare(VectorOperators.NE, 0f);
            int ai = in0 + shift[t];
            for (int ci = 0; ci < inG; ci++, ai += rowStride) {
                FloatVector wv = FloatVector.broadcast(S, w[wOff + ci * taps + t]);
                c0 = FloatVector.fromArray(S, a, ai, m0).fma(wv, c0);
                c1 = FloatVector.fromArray(S, a, ai + L, m1).fma(wv, c1);
            }
        }
        store(c0, y, base, o * cols + col, cols - col, alpha);
        store(c1, y, base, o * cols + col + L, cols - col - L, alpha);
    }

    /**
     * The column matrix, packed for the register tiles: row {@code (c*k + ky)*k + kx} holds input channel c shifted
     * by the tap, one column per output pixel of every image, zero outside the image. Columns are cut into tiles of
     * {@link #TILE}; the rows of one group within one tile are stored one after the other ({@code TILE} floats each),
     * so the multiply streams through contiguous memory: element (row r of group g, column j) is at
     * {@code ((j / TILE * groups + g) * rowsPerGroup + r) * TILE + j % TILE}.
     */
    private float[] unfold(ConvParams p, Planar x, int tiles) {
        int k = p.k(), taps = p.taps(), oh = p.oh(), ow = p.ow(), h = p.h(), wd = p.w(), s = p.stride(), pad = p.pad();
        int n = p.n(), hw = h * wd, row = x.row(), rowsPerGroup = p.cinPerGroup() * taps, groups = p.groups();
        float[] in = x.data();
        float[] out = new float[tiles * p.cin() * taps * TILE];
        par.forRange(p.cin() * taps, (from, to, t) -> {
            for (int r = from; r < to; r++) {
                int c = r / taps, ky = (r % taps) / k, kx = r % k, g = r / rowsPerGroup, rg = r % rowsPerGroup;
                int oxLo = Math.max(0, ceilDiv(pad - kx, s)), oxHi = Math.min(ow, ceilDiv(wd + pad - kx, s));
                if (oxLo >= oxHi) continue;
                for (int i = 0; i < n; i++) {
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * s + ky - pad;
                        if (iy < 0 || iy >= h) continue;
                        int src = c * row + i * hw + iy * wd + oxLo * s + kx - pad;
                        int col = (i * oh + oy) * ow + oxLo, end = col + (oxHi - oxLo);
                        while (col < end) { // one contiguous run per tile
                            int tile = col / TILE, off = col % TILE, len = Math.min(end - col, TILE - off);
                            int dst = ((tile * groups + g) * rowsPerGroup + rg) * TILE + off;
                            if (s == 1) System.arraycopy(in, src, out, dst, len);
                            else for (int q = 0; q < len; q++) out[dst + q] = in[src + q * s];
                            src += len * s;
                            col += len;
                        }
                    }
                }
            }
        });
        return out;
    }

    /** Four output channels times two vectors of columns. */
    private static void block4(float[] w, int wOff, int k, float[] a, int aOff, float[] y, float[] base,
                               int o, int cols, int col, float alpha) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int kk = 0; kk < k; kk++) {
            int ai = aOff + kk * TILE;
            FloatVector a0 = FloatVector.fromArray(S, a, ai), a1 = FloatVector.fromArray(S, a, ai + L);
            FloatVector w0 = FloatVector.broadcast(S, w[wOff + kk]), w1 = FloatVector.broadcast(S, w[wOff + k + kk]);
            FloatVector w2 = FloatVector.broadcast(S, w[wOff + 2 * k + kk]), w3 = FloatVector.broadcast(S, w[wOff + 3 * k + kk]);
            c00 = a0.fma(w0, c00); c01 = a1.fma(w0, c01);
            c10 = a0.fma(w1, c10); c11 = a1.fma(w1, c11);
            c20 = a0.fma(w2, c20); c21 = a1.fma(w2, c21);
            c30 = a0.fma(w3, c30); c31 = a1.fma(w3, c31);
        }
        store(c00, y, base, o * cols + col, cols - col, alpha);
        store(c01, y, base, o * cols + col + L, cols - col - L, alpha);
        store(c10, y, base, (o + 1) * cols + col, cols - col, alpha);
        store(c11, y, base, (o + 1) * cols + col + L, cols - col - L, alpha);
        store(c20, y, base, (o + 2) * cols + col, cols - col, alpha);
        store(c21, y, base, (o + 2) * cols + col + L, cols - col - L, alpha);
        store(c30, y, base, (o + 3) * cols + col, cols - col, alpha);
        store(c31, y, base, (o + 3) * cols + col + L, cols - col - L, alpha);
    }

    /** One output channel times two vectors of columns (group remainders, depthwise layers). */
    private static void block1(float[] w, int wOff, int k, float[] a, int aOff, float[] y, float[] base,
                               int o, int cols, int col, float alpha) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        for (int kk = 0; kk < k; kk++) {
            int ai = aOff + kk * TILE;
            FloatVector wv = FloatVector.broadcast(S, w[wOff + kk]);
            c0 = FloatVector.fromArray(S, a, ai).fma(wv, c0);
            c1 = FloatVector.fromArray(S, a, ai + L).fma(wv, c1);
        }
        store(c0, y, base, o * cols + col, cols - col, alpha);
        store(c1, y, base, o * cols + col + L, cols - col - L, alpha);
    }

    /** {@code y = base + alpha*acc} for the {@code valid} (may be <= 0 or < L) columns left in the row. */
    private static void store(FloatVector acc, float[] y, float[] base, int off, int valid, float alpha) {
        if (valid <= 0) return;
        FloatVector v = acc.mul(alpha);
        if (valid >= L) {
            if (base != null) v = v.add(FloatVector.fromArray(S, base, off));
            v.intoArray(y, off);
        } else {
            VectorMask<Float> m = S.indexInRange(0, valid);
            if (base != null) v = v.add(FloatVector.fromArray(S, base, off, m));
            v.intoArray(y, off, m);
        }
    }

    // ------------------------------------------------------------------ batch norm, elementwise

    /**
     * Evaluation-mode batch norm {@code residual + act(gamma * (x - mean) / sqrt(var + eps) + beta)}, computed as
     * one scale and shift per channel as the training backend does; {@code residual} may be null.
     */
    public Planar batchNorm(Planar x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar, float eps,
                            boolean relu, Planar residual) {
        int c = x.c(), row = x.row();
        if (gamma.length != c || beta.length != c || runningMean.length != c || runningVar.length != c) {
            throw new IllegalArgumentException("batch_norm: parameters do not have " + c + " channels");
        }
        if (residual != null) sameShape("batch_norm residual", x, residual);
        float[] in = x.data(), res = residual == null ? null : residual.data(), y = new float[in.length];
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                float scale = (float) (gamma[ch] / Math.sqrt(runningVar[ch] + (double) eps));
                float shift = beta[ch] - runningMean[ch] * scale;
                affine(in, res, y, ch * row, row, scale, shift, relu);
            }
        });
        return new Planar(x.n(), c, x.h(), x.w(), y);
    }

    private static void affine(float[] in, float[] res, float[] y, int off, int len, float scale, float shift, boolean relu) {
        FloatVector sv = FloatVector.broadcast(S, scale), hv = FloatVector.broadcast(S, shift), zero = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= len; i += L) {
            FloatVector v = FloatVector.fromArray(S, in, off + i).fma(sv, hv);
            if (relu) v = v.max(zero);
            if (res != null) v = v.add(FloatVector.fromArray(S, res, off + i));
            v.intoArray(y, off + i);
        }
        for (; i < len; i++) {
            float v = Math.fma(in[off + i], scale, shift);
            if (relu) v = Math.max(v, 0f);
            if (res != null) v += res[off + i];
            y[off + i] = v;
        }
    }

    /** {@code a*x + b*y}, optionally through a ReLU; {@code y} may be null when b is 0. */
    public Planar axpby(float a, Planar x, float b, Planar y, boolean relu) {
        if (y != null) sameShape("axpby", x, y);
        float[] mx = x.data(), my = y == null ? null : y.data(), out = new float[mx.length];
        FloatVector zero = FloatVector.zero(S), bv = FloatVector.broadcast(S, b);
        int i = 0;
        for (; i + L <= out.length; i += L) {
            FloatVector v = FloatVector.fromArray(S, mx, i).mul(a);
            if (my != null) v = FloatVector.fromArray(S, my, i).fma(bv, v);
            if (relu) v = v.max(zero);
            v.intoArray(out, i);
        }
        for (; i < out.length; i++) {
            float v = mx[i] * a;
            if (my != null) v = Math.fma(my[i], b, v);
            out[i] = relu ? Math.max(v, 0f) : v;
        }
        return new Planar(x.n(), x.c(), x.h(), x.w(), out);
    }

    // ------------------------------------------------------------------ pooling, classifier, shortcut

    /** Mean over each image's pixels, to {@code [N, C, 1, 1]}. */
    public Planar globalAvgPool(Planar x) {
        int n = x.n(), c = x.c(), hw = x.h() * x.w();
        float inv = 1f / hw;
        float[] in = x.data(), y = new float[n * c];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < n; i++) {
                float s = 0;
                for (int p = 0, o = (ch * n + i) * hw; p < hw; p++) s += in[o + p];
                y[ch * n + i] = s * inv;
            }
        }
        return new Planar(n, c, 1, 1, y);
    }

    /** {@code x W^T + b} on {@code [N, F, 1, 1]}, weight {@code [out, F]}: a 1x1 convolution plus the bias. */
    public Planar linear(Planar x, float[] weight, float[] bias) {
        if (x.h() != 1 || x.w() != 1) throw new IllegalArgumentException("linear: input is not [N, F, 1, 1]");
        int out = bias.length;
        Planar y = conv(ConvParams.of(x.n(), x.c(), 1, 1, out, 1, 1, 1), x, weight, null, 1f);
        float[] d = y.data();
        for (int o = 0; o < out; o++) for (int i = 0; i < x.n(); i++) d[o * x.n() + i] += bias[o];
        return y;
    }

    /** ResNet's option-A shortcut: {@code x[:, :, ::s, ::s]} zero-padded in channels by {@code (cout - cin)/2} each side. */
    public Planar shortcutA(Planar x, int stride, int cout) {
        int n = x.n(), cin = x.c(), h = x.h(), w = x.w(), oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
        int pad = (cout - cin) / 2;
        float[] in = x.data(), y = new float[n * cout * oh * ow];
        for (int c = 0; c < cin; c++) for (int i = 0; i < n; i++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
            y[(((c + pad) * n + i) * oh + oy) * ow + ox] = in[((c * n + i) * h + oy * stride) * w + ox * stride];
        }
        return new Planar(n, cout, oh, ow, y);
    }

    private static void sameShape(String what, Planar a, Planar b) {
        if (a.n() != b.n() || a.c() != b.c() || a.h() != b.h() || a.w() != b.w()) {
            throw new IllegalArgumentException(what + ": shapes [" + a.n() + ", " + a.c() + ", " + a.h() + ", " + a.w()
                    + "] and [" + b.n() + ", " + b.c() + ", " + b.h() + ", " + b.w() + "] differ");
        }
    }


    /** Ceiling division that is correct for negative numerators (a tap left of the image). */
    private static int ceilDiv(int a, int b) { return Math.floorDiv(a + b - 1, b); }
}
