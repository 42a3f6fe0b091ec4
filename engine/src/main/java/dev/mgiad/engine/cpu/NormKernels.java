package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.CrossRankSum;
import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;


/**
 * Batch norm over (N, H, W) per channel, with the ReLU and the residual add of the models fused in, so that the
 * smoothing step {@code u + ReLU(BN(B r))} reads and writes its operands once.
 *
 * <p>Threads own whole channels. A channel of a batch of 128 at 32x32 is 512 KiB, so the second and third pass
 * over it (variance, normalisation) hit the L2 cache. Sums are per-lane vectors reduced to double per row.
 */
final class NormKernels {
    private NormKernels() { }

    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;

    private static FloatVector ld(float[] m, long off) { return FloatVector.fromArray(S, m, (int) (off)); }

    static void train(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float momentum,
                      float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Tensor residual, Tensor y,
                      Parallel par) {
        train(x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, residual, y, null, par);
    }

    /**
     * Training-mode batch norm; with {@code stats} (gathered by the convolution that wrote x, see {@link ConvStats})
     * the two statistics passes are skipped and x is read once, by the normalisation.
     */
    static void train(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float momentum,
                      float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Tensor residual, Tensor y,
                      ConvStats stats, Parallel par) {
        float[] mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        float[] mrm = CpuBackend.seg(runningMean), mrv = CpuBackend.seg(runningVar);
        float[] msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        float[] mr = residual == null ? null : CpuBackend.seg(residual), my = CpuBackend.seg(y);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        long count = (long) x.n() * hw;
        ConvStats st = stats != null ? stats : ConvStats.of(x, par);
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                double[] mv = st.meanAndVariance(ch);
                double mean = mv[0], var = mv[1];
                float invStd = (float) (1.0 / Math.sqrt(var + eps));
                msm[(int) (ch)] = (float) mean;
                msi[(int) (ch)] = invStd;
                double unbiased = count > 1 ? var * count / (count - 1) : var;
                mrm[(int) (ch)] = (float) ((1 - momentum) * mrm[(int) (ch)] + momentum * mean);
                mrv[(int) (ch)] = (float) ((1 - momentum) * mrv[(int) (ch)] + momentum * unbiased);
                float scale = mg[(int) (ch)] * invStd;
                float shift = mb[(int) (ch)] - (float) mean * scale;
                normalize(x, mx, mr, my, ch, c, hw, nbs, scale, shift, relu);
            }
        });
    }

    static void eval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
                     boolean relu, Tensor residual, Tensor y, Parallel par) {
        float[] mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        float[] mrm = CpuBackend.seg(runningMean), mrv = CpuBackend.seg(runningVar);
        float[] mr = residual == null ? null : CpuBackend.seg(residual), my = CpuBackend.seg(y);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                float scale = (float) (mg[(int) (ch)] / Math.sqrt(mrv[(int) (ch)] + (double) eps));
                float shift = mb[(int) (ch)] - mrm[(int) (ch)] * scale;
                normalize(x, mx, mr, my, ch, c, hw, nbs, scale, shift, relu);
            }
        });
    }

    private static long off(int nb, int ch, int c, int hw) { return ((long) nb * c + ch) * hw * L; }

    /** Sum of one channel plane of one batch block. */
    private static double sum(float[] m, long base, int hw) {
        FloatVector a = FloatVector.zero(S);
        for (long o = base, end = base + (long) hw * L; o < end; o += L) a = a.add(ld(m, o));
        return Lanes.sum(a);
    }

    /**
     * Sum of squared deviations from {@code center} over one channel plane of one batch block, over the real lanes
     * only (the padding lanes hold 0, not a sample).
     */
    private static double sumSquaredDeviations(float[] m, long base, int hw, float center, VectorMask<Float> real) {
        FloatVector zero = FloatVector.zero(S), a = zero, cv = FloatVector.broadcast(S, center);
        boolean full = real.allTrue();
        for (long o = base, end = base + (long) hw * L; o < end; o += L) {
            FloatVector d = ld(m, o).sub(cv);
            if (!full) d = zero.blend(d, real);
            a = d.fma(d, a);
        }
        return Lanes.sum(a);
    }

    private static void normalize(Tensor x, float[] mx, float[] mr, float[] my, int ch, int c,
                                  int hw, int nbs, float scale, float shift, boolean relu) {
        FloatVector sc = FloatVector.broadcast(S, scale), sh = FloatVector.broadcast(S, shift);
        FloatVector zero = FloatVector.zero(S);
        for (int nb = 0; nb < nbs; nb++) {
            VectorMask<Float> real = CpuBackend.realLanes(x, nb);
            boolean full = real.allTrue();
            long base = off(nb, ch, c, hw), end = base + (long) hw * L;
            for (long o = base; o < end; o += L) {
                FloatVector v = ld(mx, o).fma(sc, sh);
                if (relu) v = v.max(zero);
                if (mr != null) v = v.add(ld(mr, o));
                if (!full) v = zero.blend(v, real);
                v.intoArray(my, (int) (o));
            }
        }
    }

    static void backward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                         Tensor dy, Tensor dx, boolean accumulateDx, Tensor dgamma, Tensor dbeta,
                         boolean accumulateParams, Parallel par) {
        float[] sums = new float[2 * x.c()];
        BatchNormGradSums.of(x, gamma, beta, saveMean, saveInvStd, relu, dy, par).writeTo(sums);
        backwardWithSums(x, gamma, beta, saveMean, saveInvStd, relu, dy, sums, dx, accumulateDx, dgamma, dbeta,
                accumulateParams, par);
    }

    /**
     * The pass of {@link #backward} after its reductions ({@link BatchNormGradSums}, possibly gathered by the
     * convolution that wrote dy): {@code dx = gamma*invStd * (dz - mean(dz) - xhat * mean(dz*xhat))}, one read of x
     * and dy; dgamma and dbeta are the sums themselves.
     */
    static void backwardWithSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                 Tensor dy, float[] sums, Tensor dx, boolean accumulateDx, Tensor dgamma, Tensor dbeta,
                                 boolean accumulateParams, Parallel par) {
        float[] mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        float[] msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        float[] mdy = CpuBackend.seg(dy), mdx = CpuBackend.seg(dx);
        float[] mdg = CpuBackend.seg(dgamma), mdb = CpuBackend.seg(dbeta);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        long count = (long) x.n() * hw;
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                float dbv = sums[ch], dgv = sums[c + ch];
                mdg[ch] = accumulateParams ? mdg[ch] + dgv : dgv;
                mdb[ch] = accumulateParams ? mdb[ch] + dbv : dbv;
                float meanDz = (float) ((double) dbv / count), meanDzx = (float) ((double) dgv / count);
                for (int nb = 0; nb < nbs; nb++) {
                    long base = off(nb, ch, c, hw);
                    backwardDx(mx, mdy, mdx, base, base + (long) hw * L, msm[ch], msi[ch], mg[ch], mb[ch], relu, meanDz,
                            meanDzx, accumulateDx, CpuBackend.realLanes(x, nb));
                }
            }
        });
    }

    /**
     * {@link #train} over the global batch of a data-parallel run. Every rank contributes the (count, mean, M2) of
     * each of its batch blocks ({@link ConvStats#blocks}, from the same rows as {@link #train}); the blocks of all
     * ranks are gathered in rank order, which is the order of the global batch, and every rank merges them as one
     * process merges its own blocks ({@link ConvStats#merge}). When every rank's shard is a whole number of batch
     * blocks, its blocks are those of one process and the statistics are one process's bit for bit; otherwise they
     * differ by rounding. (Summing per-rank aggregates instead, as before, rounded differently from one process's
     * merge in the last bits of the double; gathering the blocks leaves the order of the weight-gradient sums as the
     * only difference between P ranks and one process.)
     */
    static void trainSynchronised(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                  float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                  Tensor residual, Tensor y, CrossRankSum ranks, Parallel par) {
        float[] mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        float[] mrm = CpuBackend.seg(runningMean), mrv = CpuBackend.seg(runningVar);
        float[] msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        float[] mr = residual == null ? null : CpuBackend.seg(residual), my = CpuBackend.seg(y);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        double[] blocks = ranks.gather(ConvStats.of(x, par).blocks());
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                // the arithmetic of train(): one process's statistics and running statistics, bit for bit
                double[] s = ConvStats.merge(blocks, c, ch);
                double count = s[0], mean = s[1], var = Math.max(0, s[2] / s[0]);
                float invStd = (float) (1.0 / Math.sqrt(var + eps));
                msm[ch] = (float) mean;
                msi[ch] = invStd;
                double unbiased = count > 1 ? var * count / (count - 1) : var;
                mrm[ch] = (float) ((1 - momentum) * mrm[ch] + momentum * mean);
                mrv[ch] = (float) ((1 - momentum) * mrv[ch] + momentum * unbiased);
                float scale = mg[ch] * invStd;
                float shift = mb[ch] - (float) mean * scale;
                normalize(x, mx, mr, my, ch, c, hw, nbs, scale, shift, relu);
            }
        });
    }

    /**
     * {@link #backward} of {@link #trainSynchronised}: the per-block sums of dz and dz*xhat of all ranks
     * ({@link BatchNormGradSums#blocks}) are gathered and added in the global batch's block order, as {@link #backward}
     * adds one process's blocks, then rounded to float as there, before dx is formed with the global means. dgamma and
     * dbeta are these global sums on rank 0 and zero on the others, so that the gradient all-reduce, which adds the
     * ranks' parameter gradients, returns exactly one process's value (per-rank float partials would be added in
     * another order).
     */
    static void backwardSynchronised(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                     boolean relu, Tensor dy, Tensor dx, boolean accumulateDx, Tensor dgamma,
                                     Tensor dbeta, boolean accumulateParams, CrossRankSum ranks, Parallel par) {
        float[] mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        float[] msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        float[] mdy = CpuBackend.seg(dy), mdx = CpuBackend.seg(dx);
        float[] mdg = CpuBackend.seg(dgamma), mdb = CpuBackend.seg(dbeta);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        double[] blocks = BatchNormGradSums.of(x, gamma, beta, saveMean, saveInvStd, relu, dy, par).blocks();
        double[] mine = new double[nbs * c * 3]; // [block][channel] x {count, sum dz, sum dz*xhat}
        for (int nb = 0; nb < nbs; nb++) {
            double n = (double) CpuBackend.realLanes(x, nb).trueCount() * hw;
            for (int ch = 0; ch < c; ch++) {
                int o = (nb * c + ch) * 3, i = (nb * c + ch) * 2;
                mine[o] = n;
                mine[o + 1] = blocks[i];
                mine[o + 2] = blocks[i + 1];
            }
        }
        double[] all = ranks.gather(mine);
        boolean owner = ranks.rank() == 0;
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                double count = 0, sumDz = 0, sumDzx = 0; // in block order, as BatchNormGradSums adds one process's blocks
                for (int o = ch * 3; o < all.length; o += c * 3) {
                    count += all[o];
                    sumDz += all[o + 1];
                    sumDzx += all[o + 2];
                }
                float dbv = (float) sumDz, dgv = (float) sumDzx; // the arithmetic of backwardWithSums from here on
                mdg[ch] = accumulateParams ? mdg[ch] + (owner ? dgv : 0f) : (owner ? dgv : 0f);
                mdb[ch] = accumulateParams ? mdb[ch] + (owner ? dbv : 0f) : (owner ? dbv : 0f);
                float meanDz = (float) ((double) dbv / count), meanDzx = (float) ((double) dgv / count);
                for (int nb = 0; nb < nbs; nb++) {
                    long base = off(nb, ch, c, hw);
                    backwardDx(mx, mdy, mdx, base, base + (long) hw * L, msm[ch], msi[ch], mg[ch], mb[ch], relu, meanDz,
                            meanDzx, accumulateDx, CpuBackend.realLanes(x, nb));
                }
            }
        });
    }

    // The per-plane loops live in small methods: inlined into one big lambda they overflowed C2's inlining budget
    // and ran 20x slower with boxed vectors.

    private static void backwardDx(float[] mx, float[] mdy, float[] mdx, long base, long end, float mean, float invStd,
                                   float g, float b, boolean relu, float meanDz, float meanDzx, boolean accumulate,
                                   VectorMask<Float> real) {
        FloatVector zero = FloatVector.zero(S), mv = FloatVector.broadcast(S, mean), iv = FloatVector.broadcast(S, invStd);
        FloatVector gv = FloatVector.broadcast(S, g), bv = FloatVector.broadcast(S, b);
        FloatVector k = FloatVector.broadcast(S, g * invStd), mdzv = FloatVector.broadcast(S, meanDz);
        FloatVector mdzxv = FloatVector.broadcast(S, meanDzx);
        boolean full = real.allTrue();
        for (long o = base; o < end; o += L) {
            FloatVector xh = ld(mx, o).sub(mv).mul(iv);
            FloatVector dz = ld(mdy, o);
            if (relu) dz = zero.blend(dz, xh.fma(gv, bv).compare(VectorOperators.GT, 0f));
            FloatVector v = dz.sub(mdzv).sub(xh.mul(mdzxv)).mul(k);
            if (!full) v = zero.blend(v, real);
            if (accumulate) v = v.add(ld(mdx, o));
            v.intoArray(mdx, (int) o);
        }
    }
}
