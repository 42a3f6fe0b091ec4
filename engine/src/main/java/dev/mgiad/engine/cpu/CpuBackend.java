package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The CPU backend: Vector API kernels on 64-byte-aligned host memory, run by a fixed team of threads.
 * Activations are batch-blocked with the SIMD width (16 floats with AVX-512), see {@link Layout#BATCH_BLOCKED}.
 */
public final class CpuBackend implements Backend {
    static final VectorSpecies<Float> S = ConvKernels.S;
    static final int L = ConvKernels.L;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final Parallel par;

    public CpuBackend(int threads) { this.par = new Parallel(threads); }

    /** A backend with one thread per available processor. */
    public CpuBackend() { this(Runtime.getRuntime().availableProcessors()); }

    public int threads() { return par.threads(); }

    @Override public String name() { return "cpu (" + par.threads() + " threads, " + L * 32 + "-bit vectors)"; }

    @Override public int batchBlock() { return L; }

    static MemorySegment seg(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s)) {
            throw new IllegalArgumentException("tensor " + t + " does not live on the CPU backend");
        }
        return s.segment();
    }

    private static MemorySegment segOrNull(Tensor t) { return t == null ? null : seg(t); }

    @Override
    public Tensor allocate(Shape shape, Layout layout) {
        return new Tensor(shape, layout, L, new CpuStorage(Tensor.storageFloats(shape, layout, L)));
    }

    @Override public void zero(Tensor t) { seg(t).asSlice(0, t.floats() * 4).fill((byte) 0); }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Checks.sameShape("copy", src, dst);
        MemorySegment.copy(seg(src), 0, seg(dst), 0, src.floats() * 4);
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        if (src.length != dst.shape().elements()) {
            throw new IllegalArgumentException("upload: " + src.length + " floats for a tensor of shape " + dst.shape()
                    + " (" + dst.shape().elements() + " elements)");
        }
        MemorySegment m = seg(dst);
        if (dst.layout() == Layout.PLAIN) {
            MemorySegment.copy(src, 0, m, F, 0, src.length);
            return;
        }
        int n = dst.n(), chw = dst.c() * dst.h() * dst.w();
        zero(dst);
        for (int i = 0; i < n; i++) {
            long base = (long) (i / L) * chw * L + (i % L);
            int s = i * chw;
            for (int e = 0; e < chw; e++) m.setAtIndex(F, base + (long) e * L, src[s + e]);
        }
    }

    @Override
    public float[] download(Tensor src) {
        MemorySegment m = seg(src);
        float[] out = new float[Math.toIntExact(src.shape().elements())];
        if (src.layout() == Layout.PLAIN) {
            MemorySegment.copy(m, F, 0, out, 0, out.length);
            return out;
        }
        int n = src.n(), chw = src.c() * src.h() * src.w();
        for (int i = 0; i < n; i++) {
            long base = (long) (i / L) * chw * L + (i % L);
            int d = i * chw;
            for (int e = 0; e < chw; e++) out[d + e] = m.getAtIndex(F, base + (long) e * L);
        }
        return out;
    }

    // ------------------------------------------------------------------ convolution

    @Override
    public void convForward(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha) {
        Checks.conv("conv2d forward", p, x, w, y, L);
        if (base != null) Checks.sameShape("conv2d forward (base)", base, y);
        ConvKernels.run(ConvKernels.forwardJob(p, seg(x), seg(w), seg(y), segOrNull(base), alpha, x.batchBlocks()), par);
    }

    @Override
    public void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate) {
        Checks.conv("conv2d backward (input gradient)", p, dx, w, dy, L);
        MemorySegment base = accumulate ? seg(dx) : null;
        if (ConvKernels.isSameStride1(p)) {
            ConvKernels.run(ConvKernels.backwardDataJob(p, seg(dy), seg(w), seg(dx), base, alpha, dx.batchBlocks()), par);
        } else {
            ConvKernels.backwardDataStrided(p, seg(dy), seg(w), seg(dx), base, alpha, dx.batchBlocks(), par);
        }
    }

    @Override
    public void convBackwardWeights(ConvParams p, Tensor x, Tensor dy, Tensor dw, float alpha, boolean accumulate) {
        Checks.conv("conv2d backward (weight gradient)", p, x, dw, dy, L);
        ConvKernels.backwardWeights(p, seg(x), seg(dy), seg(dw), alpha, accumulate, x.batchBlocks(), par);
    }

    // ------------------------------------------------------------------ batch norm

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, Tensor saveMean, Tensor saveInvStd,
                               boolean relu, Tensor residual, Tensor y) {
        Checks.batchNorm("batch_norm (train)", x, gamma, beta, y, residual);
        Checks.channelVector("batch_norm (train) running_mean", runningMean, x.c());
        Checks.channelVector("batch_norm (train) running_var", runningVar, x.c());
        Checks.channelVector("batch_norm (train) save_mean", saveMean, x.c());
        Checks.channelVector("batch_norm (train) save_invstd", saveInvStd, x.c());
        NormKernels.train(x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu,
                residual, y, par);
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
                              boolean relu, Tensor residual, Tensor y) {
        Checks.batchNorm("batch_norm (eval)", x, gamma, beta, y, residual);
        Checks.channelVector("batch_norm (eval) running_mean", runningMean, x.c());
        Checks.channelVector("batch_norm (eval) running_var", runningVar, x.c());
        NormKernels.eval(x, gamma, beta, runningMean, runningVar, eps, relu, residual, y, par);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                  boolean relu, Tensor dy, Tensor dx, boolean accumulateDx,
                                  Tensor dgamma, Tensor dbeta, boolean accumulateParams) {
        Checks.batchNorm("batch_norm backward", x, gamma, beta, dy, null);
        Checks.sameShape("batch_norm backward (dx)", x, dx);
        NormKernels.backward(x, gamma, beta, saveMean, saveInvStd, relu, dy, dx, accumulateDx, dgamma, dbeta,
                accumulateParams, par);
    }

    // ------------------------------------------------------------------ elementwise

    /** Splits a tensor's floats into vector-aligned chunks for the threads. */
    private void forChunks(long floats, ChunkBody body) {
        long vecs = floats / L;
        int chunks = (int) Math.min(vecs, par.threads() * 4L);
        if (chunks <= 1) {
            body.run(0, floats);
            return;
        }
        par.forRange(chunks, (from, to, t) -> body.run(vecs * from / chunks * L, to == chunks ? floats : vecs * to / chunks * L));
    }

    @FunctionalInterface private interface ChunkBody { void run(long fromFloat, long toFloat); }

    @Override
    public void axpby(float a, Tensor x, float b, Tensor y, boolean relu, Tensor out) {
        Checks.sameShape("axpby", x, out);
        if (y != null) Checks.sameShape("axpby", y, out);
        MemorySegment mx = seg(x), my = segOrNull(y), mo = seg(out);
        FloatVector zero = FloatVector.zero(S);
        forChunks(out.floats(), (lo, hi) -> {
            for (long i = lo; i < hi; i += L) {
                long off = i * 4;
                FloatVector v = FloatVector.fromMemorySegment(S, mx, off, NO).mul(a);
                if (my != null) v = FloatVector.fromMemorySegment(S, my, off, NO).fma(FloatVector.broadcast(S, b), v);
                if (relu) v = v.max(zero);
                v.intoMemorySegment(mo, off, NO);
            }
        });
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
        Checks.sameShape("relu backward", y, dy);
        Checks.sameShape("relu backward", y, dx);
        MemorySegment my = seg(y), mdy = seg(dy), mdx = seg(dx);
        FloatVector zero = FloatVector.zero(S);
        forChunks(y.floats(), (lo, hi) -> {
            for (long i = lo; i < hi; i += L) {
                long off = i * 4;
                VectorMask<Float> on = FloatVector.fromMemorySegment(S, my, off, NO).compare(VectorOperators.GT, 0f);
                FloatVector g = zero.blend(FloatVector.fromMemorySegment(S, mdy, off, NO), on);
                if (accumulate) g = g.add(FloatVector.fromMemorySegment(S, mdx, off, NO));
                g.intoMemorySegment(mdx, off, NO);
            }
        });
    }

    @Override
    public void scaleInto(Tensor src, float alpha, Tensor dst, boolean accumulate) {
        Checks.sameShape("scale_into", src, dst);
        if (accumulate) axpby(alpha, src, 1f, dst, false, dst);
        else axpby(alpha, src, 0f, null, false, dst);
    }

    // ------------------------------------------------------------------ pooling, bias, shortcut

    @Override
    public void globalAvgPool(Tensor x, Tensor y) {
        Checks.pooled("global_avg_pool", x, y);
        MemorySegment mx = seg(x), my = seg(y);
        int hw = x.h() * x.w();
        float inv = 1f / hw;
        int items = x.batchBlocks() * x.c();
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                long base = (long) it * hw * L * 4;
                FloatVector a = FloatVector.zero(S);
                for (int p = 0; p < hw; p++) a = a.add(FloatVector.fromMemorySegment(S, mx, base + (long) p * L * 4, NO));
                a.mul(inv).intoMemorySegment(my, (long) it * L * 4, NO);
            }
        });
    }

    @Override
    public void globalAvgPoolBackward(Tensor dy, Tensor dx, boolean accumulate) {
        Checks.pooled("global_avg_pool backward", dx, dy);
        MemorySegment mdy = seg(dy), mdx = seg(dx);
        int hw = dx.h() * dx.w();
        float inv = 1f / hw;
        int items = dx.batchBlocks() * dx.c();
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                FloatVector g = FloatVector.fromMemorySegment(S, mdy, (long) it * L * 4, NO).mul(inv);
                long base = (long) it * hw * L * 4;
                for (int p = 0; p < hw; p++) {
                    long off = base + (long) p * L * 4;
                    FloatVector v = accumulate ? g.add(FloatVector.fromMemorySegment(S, mdx, off, NO)) : g;
                    v.intoMemorySegment(mdx, off, NO);
                }
            }
        });
    }

    /** Lanes of the last batch block that hold real images (the others must stay zero). */
    static VectorMask<Float> realLanes(Tensor t, int nb) {
        int real = Math.min(L, t.n() - nb * L);
        return S.indexInRange(0, real);
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        Checks.channelVector("add_bias", bias, y.c());
        MemorySegment my = seg(y), mb = seg(bias);
        int c = y.c(), hw = y.h() * y.w();
        int items = y.batchBlocks() * c;
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int nb = it / c, ch = it % c;
                FloatVector b = FloatVector.zero(S).blend(mb.getAtIndex(F, ch), realLanes(y, nb));
                long base = (long) it * hw * L * 4;
                for (int p = 0; p < hw; p++) {
                    long off = base + (long) p * L * 4;
                    FloatVector.fromMemorySegment(S, my, off, NO).add(b).intoMemorySegment(my, off, NO);
                }
            }
        });
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db, boolean accumulate) {
        Checks.channelVector("bias backward", db, dy.c());
        MemorySegment mdy = seg(dy), mdb = seg(db);
        int c = dy.c(), hw = dy.h() * dy.w(), nbs = dy.batchBlocks();
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                double sum = 0;
                for (int nb = 0; nb < nbs; nb++) {
                    long base = ((long) nb * c + ch) * hw * L * 4;
                    FloatVector a = FloatVector.zero(S);
                    for (int p = 0; p < hw; p++) a = a.add(FloatVector.fromMemorySegment(S, mdy, base + (long) p * L * 4, NO));
                    sum += a.reduceLanes(VectorOperators.ADD);
                }
                float v = (float) sum;
                mdb.setAtIndex(F, ch, accumulate ? mdb.getAtIndex(F, ch) + v : v);
            }
        });
    }

    @Override
    public void shortcutA(Tensor x, int stride, Tensor y) {
        Checks.shortcut("shortcut_a", x, stride, y);
        MemorySegment mx = seg(x), my = seg(y);
        int ci = x.c(), co = y.c(), padC = (co - ci) / 2, h = x.h(), w = x.w(), oh = y.h(), ow = y.w();
        int items = y.batchBlocks() * co;
        FloatVector zero = FloatVector.zero(S);
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int nb = it / co, c = it % co, src = c - padC;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        long yo = (((long) it * oh + oy) * ow + ox) * L * 4;
                        FloatVector v = zero;
                        if (src >= 0 && src < ci) {
                            long xo = ((((long) nb * ci + src) * h + (long) oy * stride) * w + (long) ox * stride) * L * 4;
                            v = FloatVector.fromMemorySegment(S, mx, xo, NO);
                        }
                        v.intoMemorySegment(my, yo, NO);
                    }
                }
            }
        });
    }

    @Override
    public void shortcutABackward(Tensor dy, int stride, Tensor dx, boolean accumulate) {
        Checks.shortcut("shortcut_a backward", dx, stride, dy);
        MemorySegment mdy = seg(dy), mdx = seg(dx);
        int ci = dx.c(), co = dy.c(), padC = (co - ci) / 2, h = dx.h(), w = dx.w(), oh = dy.h(), ow = dy.w();
        int items = dx.batchBlocks() * ci;
        FloatVector zero = FloatVector.zero(S);
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int nb = it / ci, c = it % ci;
                long chan = (long) it * h * w * L * 4;
                for (int iy = 0; iy < h; iy++) {
                    for (int ix = 0; ix < w; ix++) {
                        long xo = chan + ((long) iy * w + ix) * L * 4;
                        FloatVector g = zero;
                        if (iy % stride == 0 && ix % stride == 0 && iy / stride < oh && ix / stride < ow) {
                            long yo = ((((long) nb * co + c + padC) * oh + iy / stride) * ow + ix / stride) * L * 4;
                            g = FloatVector.fromMemorySegment(S, mdy, yo, NO);
                        }
                        if (accumulate) g = g.add(FloatVector.fromMemorySegment(S, mdx, xo, NO));
                        g.intoMemorySegment(mdx, xo, NO);
                    }
                }
            }
        });
    }

    // ------------------------------------------------------------------ optimizer and reductions

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay,
                        boolean nesterov) {
        if (grad != null) Checks.sameShape("sgd_step (grad)", param, grad);
        Checks.sameShape("sgd_step (velocity)", param, velocity);
        MemorySegment mp = seg(param), mg = segOrNull(grad), mv = seg(velocity);
        long n = param.floats();
        for (long i = 0; i < n; i++) {
            float p = mp.getAtIndex(F, i);
            float g = (mg == null ? 0f : mg.getAtIndex(F, i)) + weightDecay * p;
            float v = momentum * mv.getAtIndex(F, i) + g;
            mv.setAtIndex(F, i, v);
            mp.setAtIndex(F, i, p - lr * (nesterov ? g + momentum * v : v));
        }
    }

    @Override
    public double sumOfSquares(Tensor t) {
        MemorySegment m = seg(t);
        long n = t.floats();
        double sum = 0;
        long i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(S, m, i * 4, NO);
            sum += v.mul(v).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float v = m.getAtIndex(F, i);
            sum += (double) v * v;
        }
        return sum;
    }

    @Override public void close() { par.close(); }
}
