package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Batch norm over (N, H, W) per channel, with the ReLU and the residual add of the models fused in, so that the
 * smoothing step {@code u + ReLU(BN(B r))} reads and writes its operands once.
 *
 * <p>Threads own whole channels. A channel of a batch of 128 at 32x32 is 512 KiB, so the second and third pass
 * over it (variance, normalisation) hit the L2 cache. Sums are per-lane vectors reduced to double per row.
 */
final class NormKernels {
    private NormKernels() { }

    private static final VectorSpecies<Float> S = ConvKernels.S;
    private static final int L = ConvKernels.L;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private static FloatVector ld(MemorySegment m, long off) { return FloatVector.fromMemorySegment(S, m, off, NO); }

    static void train(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float momentum,
                      float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Tensor residual, Tensor y,
                      Parallel par) {
        MemorySegment mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        MemorySegment mrm = CpuBackend.seg(runningMean), mrv = CpuBackend.seg(runningVar);
        MemorySegment msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        MemorySegment mr = residual == null ? null : CpuBackend.seg(residual), my = CpuBackend.seg(y);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        long count = (long) x.n() * hw;
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                double sum = 0;
                for (int nb = 0; nb < nbs; nb++) sum += sum(mx, off(nb, ch, c, hw), hw);
                double mean = sum / count;
                double ss = 0;
                for (int nb = 0; nb < nbs; nb++) {
                    ss += sumSquaredDeviations(mx, off(nb, ch, c, hw), hw, (float) mean, CpuBackend.realLanes(x, nb));
                }
                double var = Math.max(0, ss / count);
                float invStd = (float) (1.0 / Math.sqrt(var + eps));
                msm.setAtIndex(F, ch, (float) mean);
                msi.setAtIndex(F, ch, invStd);
                double unbiased = count > 1 ? var * count / (count - 1) : var;
                mrm.setAtIndex(F, ch, (float) ((1 - momentum) * mrm.getAtIndex(F, ch) + momentum * mean));
                mrv.setAtIndex(F, ch, (float) ((1 - momentum) * mrv.getAtIndex(F, ch) + momentum * unbiased));
                float scale = mg.getAtIndex(F, ch) * invStd;
                float shift = mb.getAtIndex(F, ch) - (float) mean * scale;
                normalize(x, mx, mr, my, ch, c, hw, nbs, scale, shift, relu);
            }
        });
    }

    static void eval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
                     boolean relu, Tensor residual, Tensor y, Parallel par) {
        MemorySegment mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        MemorySegment mrm = CpuBackend.seg(runningMean), mrv = CpuBackend.seg(runningVar);
        MemorySegment mr = residual == null ? null : CpuBackend.seg(residual), my = CpuBackend.seg(y);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                float scale = (float) (mg.getAtIndex(F, ch) / Math.sqrt(mrv.getAtIndex(F, ch) + (double) eps));
                float shift = mb.getAtIndex(F, ch) - mrm.getAtIndex(F, ch) * scale;
                normalize(x, mx, mr, my, ch, c, hw, nbs, scale, shift, relu);
            }
        });
    }

    private static long off(int nb, int ch, int c, int hw) { return ((long) nb * c + ch) * hw * L * 4; }

    /** Sum of one channel plane of one batch block. */
    private static double sum(MemorySegment m, long base, int hw) {
        FloatVector a = FloatVector.zero(S);
        for (long o = base, end = base + (long) hw * L * 4; o < end; o += L * 4) a = a.add(ld(m, o));
        return a.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Sum of squared deviations from {@code center} over one channel plane of one batch block, over the real lanes
     * only (the padding lanes hold 0, not a sample).
     */
    private static double sumSquaredDeviations(MemorySegment m, long base, int hw, float center, VectorMask<Float> real) {
        FloatVector zero = FloatVector.zero(S), a = zero, cv = FloatVector.broadcast(S, center);
        boolean full = real.allTrue();
        for (long o = base, end = base + (long) hw * L * 4; o < end; o += L * 4) {
            FloatVector d = ld(m, o).sub(cv);
            if (!full) d = zero.blend(d, real);
            a = d.fma(d, a);
        }
        return a.reduceLanes(VectorOperators.ADD);
    }

    private static void normalize(Tensor x, MemorySegment mx, MemorySegment mr, MemorySegment my, int ch, int c,
                                  int hw, int nbs, float scale, float shift, boolean relu) {
        FloatVector sc = FloatVector.broadcast(S, scale), sh = FloatVector.broadcast(S, shift);
        FloatVector zero = FloatVector.zero(S);
        for (int nb = 0; nb < nbs; nb++) {
            VectorMask<Float> real = CpuBackend.realLanes(x, nb);
            boolean full = real.allTrue();
            long base = off(nb, ch, c, hw), end = base + (long) hw * L * 4;
            for (long o = base; o < end; o += L * 4) {
                FloatVector v = ld(mx, o).fma(sc, sh);
                if (relu) v = v.max(zero);
                if (mr != null) v = v.add(ld(mr, o));
                if (!full) v = zero.blend(v, real);
                v.intoMemorySegment(my, o, NO);
            }
        }
    }

    static void backward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                         Tensor dy, Tensor dx, boolean accumulateDx, Tensor dgamma, Tensor dbeta,
                         boolean accumulateParams, Parallel par) {
        MemorySegment mx = CpuBackend.seg(x), mg = CpuBackend.seg(gamma), mb = CpuBackend.seg(beta);
        MemorySegment msm = CpuBackend.seg(saveMean), msi = CpuBackend.seg(saveInvStd);
        MemorySegment mdy = CpuBackend.seg(dy), mdx = CpuBackend.seg(dx);
        MemorySegment mdg = CpuBackend.seg(dgamma), mdb = CpuBackend.seg(dbeta);
        int c = x.c(), hw = x.h() * x.w(), nbs = x.batchBlocks();
        long count = (long) x.n() * hw;
        FloatVector zero = FloatVector.zero(S);
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                float mean = msm.getAtIndex(F, ch), invStd = msi.getAtIndex(F, ch);
                float g = mg.getAtIndex(F, ch), b = mb.getAtIndex(F, ch);
                FloatVector mv = FloatVector.broadcast(S, mean), iv = FloatVector.broadcast(S, invStd);
                FloatVector gv = FloatVector.broadcast(S, g), bv = FloatVector.broadcast(S, b);
                // pass 1: sum(dz) and sum(dz * xhat), dz = dy masked by the ReLU (z = gamma*xhat + beta > 0)
                double sdz = 0, sdzx = 0;
                for (int nb = 0; nb < nbs; nb++) {
                    long base = off(nb, ch, c, hw), end = base + (long) hw * L * 4;
                    FloatVector a = zero, ax = zero;
                    for (long o = base; o < end; o += L * 4) {
                        FloatVector xh = ld(mx, o).sub(mv).mul(iv);
                        FloatVector dz = ld(mdy, o);
                        if (relu) dz = zero.blend(dz, xh.fma(gv, bv).compare(VectorOperators.GT, 0f));
                        a = a.add(dz);
                        ax = dz.fma(xh, ax);
                    }
                    sdz += a.reduceLanes(VectorOperators.ADD);
                    sdzx += ax.reduceLanes(VectorOperators.ADD);
                }
                float dgv = (float) sdzx, dbv = (float) sdz;
                mdg.setAtIndex(F, ch, accumulateParams ? mdg.getAtIndex(F, ch) + dgv : dgv);
                mdb.setAtIndex(F, ch, accumulateParams ? mdb.getAtIndex(F, ch) + dbv : dbv);
                // pass 2: dx = gamma*invStd * (dz - mean(dz) - xhat * mean(dz*xhat))
                FloatVector k = FloatVector.broadcast(S, g * invStd);
                FloatVector mdzv = FloatVector.broadcast(S, (float) (sdz / count));
                FloatVector mdzxv = FloatVector.broadcast(S, (float) (sdzx / count));
                for (int nb = 0; nb < nbs; nb++) {
                    VectorMask<Float> real = CpuBackend.realLanes(x, nb);
                    boolean full = real.allTrue();
                    long base = off(nb, ch, c, hw), end = base + (long) hw * L * 4;
                    for (long o = base; o < end; o += L * 4) {
                        FloatVector xh = ld(mx, o).sub(mv).mul(iv);
                        FloatVector dz = ld(mdy, o);
                        if (relu) dz = zero.blend(dz, xh.fma(gv, bv).compare(VectorOperators.GT, 0f));
                        FloatVector v = dz.sub(mdzv).sub(xh.mul(mdzxv)).mul(k);
                        if (!full) v = zero.blend(v, real);
                        if (accumulateDx) v = v.add(ld(mdx, o));
                        v.intoMemorySegment(mdx, o, NO);
                    }
                }
            }
        });
    }
}
