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
                accumulateParams, null, par);
    }

    /**
     * The pass of {@link #backward} after its reductions ({@link BatchNormGradSums}, possibly gathered by the
     * convolution that wrote dy): {@code dx = gamma*invStd * (dz - mean(dz) - xhat * mean(dz*xhat))}, one read of x
     * and dy; dgamma and dbeta are the sums themselves. With {@code addDxTo}, dx is also added to that tensor in the
     * same pass (the gradient of an identity edge that carries dx on, such as a convolution's base).
     */
    static void backwardWithSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                 Tensor dy, float[] sums, Tensor dx, boolean accumulateDx, Tensor dgamma, Tensor dbeta,
                                 boolean accumulateParams, Tensor addDxTo, Parallel par) {
        float[] madd = addDxTo == null ? null : CpuBackend.seg(addDxTo);
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
                            meanDzx, accumulateDx, CpuBackend.realLanes(x, nb), madd);
                }
            }
        });
    }

    /**
     * {@link #train} over the global batch of a data-parallel run: each rank's per-channel count, mean and M2 from
     * the same rows as {@link #train} ({@link ConvStats}), merged over ranks by two sums; then normalisation. P ranks
     * agree with one process up to the order of the final double additions.
     */
    static void trainSynchronised(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                  float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                  Tensor residual, Tensor y, CrossRankSum ranks, Parallel par) {
        float[] mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        float[] mrm = CpuBackend.seg(runningMean), mrv = CpuBackend.seg(runningVar);
        float[] msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        float[] mr = residual == null ? null : CpuBackend.seg(residual), my = CpuBackend.seg(y);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        // Chan's parallel merge as two sums over ranks: sum n_r*mean_r and n_r give the global mean, then
        // sum M2_r + n_r*(mean_r - mean)^2 the global M2; each rank's (n, mean, M2) from the same rows as one process
        ConvStats st = ConvStats.of(x, par);
        double[][] local = new double[c][];
        for (int ch = 0; ch < c; ch++) local[ch] = st.countMeanM2(ch);
        double[] sums = new double[c + 1];
        for (int ch = 0; ch < c; ch++) sums[ch] = local[ch][0] * local[ch][1];
        sums[c] = (double) x.n() * hw;
        ranks.sumInPlace(sums);
        double count = sums[c];
        double[] squares = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double d = local[ch][1] - sums[ch] / count;
            squares[ch] = local[ch][2] + local[ch][0] * d * d;
        }
        ranks.sumInPlace(squares);
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                double mean = sums[ch] / count;
                double var = Math.max(0, squares[ch] / count);
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
     * {@link #backward} of {@link #trainSynchronised}: the per-channel sums of dz and dz*xhat are summed over ranks
     * before dx is formed with the global means; dgamma and dbeta keep this rank's sums, since the gradient all-reduce
     * adds the ranks' parameter gradients afterwards.
     */
    static void backwardSynchronised(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                     boolean relu, Tensor dy, Tensor dx, boolean accumulateDx, Tensor dgamma,
                                     Tensor dbeta, boolean accumulateParams, CrossRankSum ranks, Parallel par) {
        float[] mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        float[] msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        float[] mdy = CpuBackend.seg(dy), mdx = CpuBackend.seg(dx);
        float[] mdg = CpuBackend.seg(dgamma), mdb = CpuBackend.seg(dbeta);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        double[] sums = new double[2 * c + 1];
        BatchNormGradSums rows = BatchNormGradSums.of(x, gamma, beta, saveMean, saveInvStd, relu, dy, par);
        for (int ch = 0; ch < c; ch++) {
            double[] s = rows.channel(ch);
            sums[2 * ch] = s[0];
            sums[2 * ch + 1] = s[1];
            float dgv = (float) s[1], dbv = (float) s[0];
            mdg[ch] = accumulateParams ? mdg[ch] + dgv : dgv;
            mdb[ch] = accumulateParams ? mdb[ch] + dbv : dbv;
        }
        sums[2 * c] = (double) x.n() * hw;
        ranks.sumInPlace(sums);
        double count = sums[2 * c];
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                float meanDz = (float) (sums[2 * ch] / count), meanDzx = (float) (sums[2 * ch + 1] / count);
                for (int nb = 0; nb < nbs; nb++) {
                    long base = off(nb, ch, c, hw);
                    backwardDx(mx, mdy, mdx, base, base + (long) hw * L, msm[ch], msi[ch], mg[ch], mb[ch], relu, meanDz,
                            meanDzx, accumulateDx, CpuBackend.realLanes(x, nb), null);
                }
            }
        });
    }

    // The per-plane loops live in small methods: inlined into one big lambda they overflowed C2's inlining budget
    // and ran 20x slower with boxed vectors.

    private static void backwardDx(float[] mx, float[] mdy, float[] mdx, long base, long end, float mean, float invStd,
                                   float g, float b, boolean relu, float meanDz, float meanDzx, boolean accumulate,
                                   VectorMask<Float> real, float[] madd) {
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
            if (madd != null) ld(madd, o).add(v).intoArray(madd, (int) o);
        }
    }
}
