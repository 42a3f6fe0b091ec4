package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One direct-convolution problem in the batch-blocked layout {@code [N/L][C][H][W][L]} (L = {@link Simd#LANES}):
 * {@code Out = base + alpha * conv(In, W)} with a generalised weight accessor {@code w[base + o*sO + i*sI + tap*sT]},
 * and the helpers every kernel file shares.
 *
 * <p>The stride-1 'same' input gradient is itself a convolution of {@code dy} with the transposed, flipped weight,
 * so the forward kernels serve it through {@link #backwardData}.
 */
final class ConvJob {
    static final VectorSpecies<Float> S = Simd.SPECIES;
    static final int L = Simd.LANES;
    static final long P = L; // floats of one batch-blocked position (offsets in the kernels are in floats)

    float[] in, out, w, base;
    int ci, hi, wi;      // In: channels, height, width
    int co, ho, wo;      // Out
    int groups, inG, outG, k, stride, pad, nBlocks;
    long wGroupStride;   // floats between the weights of consecutive groups
    long wOff;           // offset of (o=0, i=0, tap=0) inside a group
    long sO, sI, sT;     // weight strides for output channel, input channel, tap
    float alpha;
    float[] packedW;     // the weights in a kernel's own order, when its prepare step made them
    dev.mgiad.engine.backend.ConvAlgorithm algo; // which 3x3 stride-1 kernels: a constructor argument, so no caller forgets it
    ConvStats stats;     // batch-norm statistics of the output, gathered by the epilogue (null: none)
    RowEpilogue rows;    // work on the finished rows of a gradient (RowEpilogue; null: none)

    static ConvJob forward(ConvParams p, float[] x, float[] w, float[] y, float[] base, float alpha, int nBlocks,
                           dev.mgiad.engine.backend.ConvAlgorithm algo) {
        ConvJob j = new ConvJob();
        j.algo = java.util.Objects.requireNonNull(algo);
        j.in = x; j.out = y; j.w = w; j.base = base; j.alpha = alpha;
        j.ci = p.cin(); j.hi = p.h(); j.wi = p.w();
        j.co = p.cout(); j.ho = p.oh(); j.wo = p.ow();
        j.groups = p.groups(); j.inG = p.cinPerGroup(); j.outG = p.coutPerGroup();
        j.k = p.k(); j.stride = p.stride(); j.pad = p.pad(); j.nBlocks = nBlocks;
        int kk = p.k() * p.k();
        j.wGroupStride = (long) j.outG * j.inG * kk;
        j.wOff = 0; j.sO = (long) j.inG * kk; j.sI = kk; j.sT = 1;
        return j;
    }

    /** The stride-1 'same' input gradient as a forward convolution of dy with the transposed, flipped weight. */
    static ConvJob backwardData(ConvParams p, float[] dy, float[] w, float[] dx, float[] base, float alpha, int nBlocks,
                                dev.mgiad.engine.backend.ConvAlgorithm algo) {
        ConvJob j = new ConvJob();
        j.algo = java.util.Objects.requireNonNull(algo);
        j.in = dy; j.out = dx; j.w = w; j.base = base; j.alpha = alpha;
        j.ci = p.cout(); j.hi = p.oh(); j.wi = p.ow();
        j.co = p.cin(); j.ho = p.h(); j.wo = p.w();
        j.groups = p.groups(); j.inG = p.coutPerGroup(); j.outG = p.cinPerGroup();
        j.k = p.k(); j.stride = 1; j.pad = p.pad(); j.nBlocks = nBlocks;
        int kk = p.k() * p.k();
        j.wGroupStride = (long) p.coutPerGroup() * p.cinPerGroup() * kk;
        j.wOff = kk - 1; j.sO = kk; j.sI = (long) p.cinPerGroup() * kk; j.sT = -1;
        return j;
    }

    /** Weight (output o, input i, tap) of group g through the job's accessor (the transposed, flipped one for dx). */
    float weight(int g, int o, int i, int tap) {
        return w[(int) (g * wGroupStride + wOff + o * sO + i * sI + tap * sT)];
    }

    static boolean isSameStride1(ConvParams p) { return p.stride() == 1 && 2 * p.pad() == p.k() - 1; }

    boolean is3x3(int s) { return k == 3 && stride == s && pad == 1; }

    static boolean is3x3(ConvParams p, int s) { return p.k() == 3 && p.stride() == s && p.pad() == 1; }

    static long planeFloats(int h, int w) { return (long) h * w * P; }

    static FloatVector bc(float[] w, long idx) { return FloatVector.broadcast(S, w[(int) (idx)]); }

    static FloatVector ld(float[] m, long off) { return FloatVector.fromArray(S, m, (int) (off)); }

    /**
     * Kernels store raw sums (with {@code intoArray} in the kernel itself: a vector passed to a method that C2 does
     * not inline gets boxed); the epilogue {@code out = base + alpha * out} runs afterwards over the rows just
     * written (still in cache). Inside the kernels it would push them over C2's inlining budget.
     */
    static void epilogue(ConvJob j, int nb, int g, int p0, int p1) {
        long plane = planeFloats(j.ho, j.wo);
        if (j.base != null || j.alpha != 1f) scaleAndAddBase(j, nb, g, p0, p1, plane);
        if (j.stats != null) j.stats.rows(j.out, plane, nb, g * j.outG, j.outG, p0, p1, j.wo);
        if (j.rows != null) j.rows.rows(j.out, plane, nb, g * j.outG, j.outG, p0, p1, j.wo);
    }

    private static void scaleAndAddBase(ConvJob j, int nb, int g, int p0, int p1, long plane) {
        FloatVector alpha = FloatVector.broadcast(S, j.alpha);
        for (int o = 0; o < j.outG; o++) {
            long chan = ((long) nb * j.co + (long) g * j.outG + o) * plane;
            for (long off = chan + p0 * P, end = chan + p1 * P; off < end; off += P) {
                FloatVector v = ld(j.out, off).mul(alpha);
                if (j.base != null) v = v.add(ld(j.base, off));
                v.intoArray(j.out, (int) off);
            }
        }
    }

    /**
     * Adds the lane sums of {@code n} accumulators spilled to {@code red} (slot k at {@code k*L}) to
     * {@code part[index(k)]}, where slot {@code k = t*3 + kx} maps to {@code base + t*st + kx}. The kernels spill
     * their vectors with {@code intoArray} instead of passing them to a method: a vector argument of a call that C2
     * does not inline is boxed, and in a model, where one dispatch site sees every kernel, that made the weight
     * gradient 3x slower. Lanes are added in a fixed order, so results do not depend on the JIT.
     */
    static void addSpilled(float[] red, int n, double[] part, int base, int st) {
        for (int k = 0; k < n; k++) {
            double sum = 0;
            for (int l = 0, o = k * L; l < L; l++) sum += red[o + l];
            part[base + (k / 3) * st + k % 3] += sum;
        }
    }
}
