package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvAlgorithm;
import jdk.incubator.vector.FloatVector;

import static dev.mgiad.engine.cpu.ConvJob.L;
import static dev.mgiad.engine.cpu.ConvJob.P;
import static dev.mgiad.engine.cpu.ConvJob.S;
import static dev.mgiad.engine.cpu.ConvJob.epilogue;
import static dev.mgiad.engine.cpu.ConvJob.ld;
import static dev.mgiad.engine.cpu.ConvJob.planeFloats;

/**
 * 3x3, stride 1, pad 1 by Winograd's F(2x2,3x3): forward, and the input gradient through
 * {@link ConvDispatch#AS_FORWARD} (the weights are read through the job's accessor, so the transposed, flipped
 * weight is transformed the same way). Each 2x2 output tile costs 16 multiplies per (input, output) channel pair
 * instead of 36. With the batch innermost, the tile transforms are lane-wise vector additions: the input tile
 * {@code V = B^T d B}, the weights {@code U = G g G^T} (once per call), then for each of the 16 transform points a
 * small GEMM {@code M = U V} over the channels (4 output channels x 4 tiles of accumulators, the same register
 * block as the direct kernel), and the output {@code Y = A^T M A}.
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

    /** Input channels per GEMM block: 4 tiles of them take 16 KiB (L1). */
    private static final int CB = 256 / L;

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

    /** Where {@code auto} takes Winograd: the shapes where it was measured faster than the direct kernels. */
    static boolean pays(ConvJob j) { return false; }

    /** Tiles per chunk: their transformed inputs and products take about 1 MiB (L2), at least 4. */
    static int chunkTiles(ConvJob j) {
        int t = (256 << 10) / (16 * (j.inG + j.outG) * L);
        return Math.max(4, Math.min(64, t / 4 * 4));
    }

    /** {@code U = G g G^T} for every (output, input) channel pair, as {@code [point][group][tile][input][4 outputs]}. */
    static void transformWeights(ConvJob j) {
        int tiles = j.outG / 4;
        float[] u = new float[16 * j.groups * tiles * j.inG * 4];
        float[] gk = new float[9], gg = new float[12];
        for (int g = 0; g < j.groups; g++) {
            for (int o = 0; o < j.outG; o++) {
                for (int i = 0; i < j.inG; i++) {
                    for (int tap = 0; tap < 9; tap++) {
                        gk[tap] = j.w[(int) (g * j.wGroupStride + j.wOff + o * j.sO + i * j.sI + tap * j.sT)];
                    }
                    for (int c = 0; c < 3; c++) {
                        gg[c] = gk[c];
                        gg[3 + c] = (gk[c] + gk[3 + c] + gk[6 + c]) * 0.5f;
                        gg[6 + c] = (gk[c] - gk[3 + c] + gk[6 + c]) * 0.5f;
                        gg[9 + c] = gk[6 + c];
                    }
                    for (int r = 0; r < 4; r++) {
                        float r0 = gg[r * 3], r1 = gg[r * 3 + 1], r2 = gg[r * 3 + 2];
                        float[] row = {r0, (r0 + r1 + r2) * 0.5f, (r0 - r1 + r2) * 0.5f, r2};
                        for (int s = 0; s < 4; s++) {
                            int xi = r * 4 + s;
                            u[((((xi * j.groups + g) * tiles + o / 4) * j.inG + i) * 4) + o % 4] = row[s];
                        }
                    }
                }
            }
        }
        j.packedW = u;
    }

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0], new float[0]});

    private static float[] buffer(float[][] b, int k, int n) {
        if (b[k].length < n) b[k] = new float[n];
        return b[k];
    }

    /** Output rows y0..y1 (a multiple of the row step) of block nb, group g, in chunks of tiles. */
    static void band(ConvJob j, int nb, int g, int y0, int y1) {
        final int tw = j.wo / 2, nt = chunkTiles(j);
        final int first = (y0 / 2) * tw, end = (y1 / 2) * tw;
        float[][] bufs = BUFFERS.get();
        float[] v = buffer(bufs, 0, 16 * j.inG * nt * L), m = buffer(bufs, 1, 16 * j.outG * nt * L);
        float[] tmp = buffer(bufs, 2, 16 * L);
        for (int q0 = first; q0 < end; q0 += nt) {
            int n = Math.min(nt, end - q0);
            for (int i = 0; i < j.inG; i++) {
                for (int q = 0; q < n; q++) inputTile(j, nb, g, i, q0 + q, tw, v, tmp, (i * nt + q) * L, j.inG * nt * L);
            }
            gemm(j, g, v, m, n, nt);
            for (int o = 0; o < j.outG; o++) {
                for (int q = 0; q < n; q++) outputTile(j, nb, g, o, q0 + q, tw, m, (o * nt + q) * L, j.outG * nt * L);
            }
        }
        epilogue(j, nb, g, y0 * j.wo, y1 * j.wo);
    }

    /**
     * {@code V = B^T d B} of tile q (row q / tw, column q % tw) of input channel i, zero outside the image; the 16
     * points go to {@code v[at + xi * pointStride]}. Two passes through {@code tmp} keep the bodies small.
     */
    private static void inputTile(ConvJob j, int nb, int g, int i, int q, int tw, float[] v, float[] tmp, int at, int pointStride) {
        final int ty = q / tw, tx = q % tw, hi = j.hi, wi = j.wi;
        final long chan = ((long) nb * j.ci + (long) g * j.inG + i) * planeFloats(hi, wi);
        final FloatVector z = FloatVector.zero(S);
        final int x0 = 2 * tx - 1;
        final boolean left = x0 >= 0, right = x0 + 3 < wi;
        for (int r = 0; r < 4; r++) {
            int iy = 2 * ty - 1 + r;
            FloatVector d0 = z, d1 = z, d2 = z, d3 = z;
            if (iy >= 0 && iy < hi) {
                long row = chan + ((long) iy * wi + x0) * P;
                d0 = left ? ld(j.in, row) : z;
                d1 = ld(j.in, row + P);
                d2 = ld(j.in, row + 2 * P);
                d3 = right ? ld(j.in, row + 3 * P) : z;
            }
            d0.sub(d2).intoArray(tmp, (r * 4) * L);
            d1.add(d2).intoArray(tmp, (r * 4 + 1) * L);
            d2.sub(d1).intoArray(tmp, (r * 4 + 2) * L);
            d1.sub(d3).intoArray(tmp, (r * 4 + 3) * L);
        }
        for (int c = 0; c < 4; c++) {
            FloatVector t0 = FloatVector.fromArray(S, tmp, c * L), t1 = FloatVector.fromArray(S, tmp, (4 + c) * L);
            FloatVector t2 = FloatVector.fromArray(S, tmp, (8 + c) * L), t3 = FloatVector.fromArray(S, tmp, (12 + c) * L);
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
        FloatVector s00 = null, s01 = null, s02 = null, s03 = null, s10 = null, s11 = null, s12 = null, s13 = null;
        for (int c = 0; c < 4; c++) {
            FloatVector m0 = FloatVector.fromArray(S, m, at + c * pointStride), m1 = FloatVector.fromArray(S, m, at + (4 + c) * pointStride);
            FloatVector m2 = FloatVector.fromArray(S, m, at + (8 + c) * pointStride), m3 = FloatVector.fromArray(S, m, at + (12 + c) * pointStride);
            FloatVector a = m0.add(m1).add(m2), b = m1.sub(m2).sub(m3);
            switch (c) {
                case 0 -> { s00 = a; s10 = b; }
                case 1 -> { s01 = a; s11 = b; }
                case 2 -> { s02 = a; s12 = b; }
                default -> { s03 = a; s13 = b; }
            }
        }
        s00.add(s01).add(s02).intoArray(j.out, (int) out);
        s01.sub(s02).sub(s03).intoArray(j.out, (int) (out + P));
        s10.add(s11).add(s12).intoArray(j.out, (int) (out + j.wo * P));
        s11.sub(s12).sub(s13).intoArray(j.out, (int) (out + j.wo * P + P));
    }

    /** For each transform point: {@code M[o][q] = sum_i U[o][i] V[i][q]}, 4 outputs x 4 tiles per kernel call. */
    private static void gemm(ConvJob j, int g, float[] v, float[] m, int n, int nt) {
        final int tiles = j.outG / 4;
        for (int xi = 0; xi < 16; xi++) {
            for (int i0 = 0; i0 < j.inG; i0 += CB) {
                int cb = Math.min(CB, j.inG - i0);
                for (int q = 0; q < n; q += 4) {
                    int vAt = ((xi * j.inG + i0) * nt + q) * L;
                    for (int ot = 0; ot < tiles; ot++) {
                        int uAt = (((xi * j.groups + g) * tiles + ot) * j.inG + i0) * 4;
                        int mAt = ((xi * j.outG + ot * 4) * nt + q) * L;
                        gemm4x4(v, j.packedW, m, vAt, nt * L, uAt, mAt, nt * L, cb, i0 == 0);
                    }
                }
            }
        }
    }

    private static void gemm4x4(float[] v, float[] u, float[] m, int vAt, int vStride, int uAt, int mAt, int mStride,
                                int cb, boolean first) {
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (first) {
            FloatVector z = FloatVector.zero(S);
            a00 = z; a01 = z; a02 = z; a03 = z; a10 = z; a11 = z; a12 = z; a13 = z;
            a20 = z; a21 = z; a22 = z; a23 = z; a30 = z; a31 = z; a32 = z; a33 = z;
        } else {
            int o = mAt;
            a00 = ld(m, o); a01 = ld(m, o + L); a02 = ld(m, o + 2 * L); a03 = ld(m, o + 3 * L);
            o += mStride;
            a10 = ld(m, o); a11 = ld(m, o + L); a12 = ld(m, o + 2 * L); a13 = ld(m, o + 3 * L);
            o += mStride;
            a20 = ld(m, o); a21 = ld(m, o + L); a22 = ld(m, o + 2 * L); a23 = ld(m, o + 3 * L);
            o += mStride;
            a30 = ld(m, o); a31 = ld(m, o + L); a32 = ld(m, o + 2 * L); a33 = ld(m, o + 3 * L);
        }
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
}
