package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.BackendChecks;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.backend.CrossRankSum;
import dev.mgiad.engine.backend.GradientEpilogue;
import dev.mgiad.engine.tensor.BatchBlocking;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;


/**
 * The CPU backend: Vector API kernels on 64-byte-aligned host memory, run by a fixed team of threads.
 * Activations are batch-blocked with the SIMD width (16 floats with AVX-512), see {@link Layout#BATCH_BLOCKED}.
 */
public final class CpuBackend implements Backend {
    static final VectorSpecies<Float> S = Simd.SPECIES;
    static final int L = Simd.LANES;

    private final Parallel par;
    private final dev.mgiad.engine.backend.ConvAlgorithm convAlgorithm;

    public CpuBackend(int threads) { this(threads, dev.mgiad.engine.backend.ConvAlgorithm.AUTO); }

    /** {@code convAlgorithm}: how 3x3 stride-1 convolutions are computed (see {@link dev.mgiad.engine.backend.ConvAlgorithm}). */
    public CpuBackend(int threads, dev.mgiad.engine.backend.ConvAlgorithm convAlgorithm) {
        this.par = new Parallel(threads);
        this.convAlgorithm = java.util.Objects.requireNonNull(convAlgorithm);
    }

    public dev.mgiad.engine.backend.ConvAlgorithm convAlgorithm() { return convAlgorithm; }

    /** A backend with one thread per available processor. */
    public CpuBackend() { this(Runtime.getRuntime().availableProcessors()); }

    public int threads() { return par.threads(); }

    @Override public String name() {
        return "cpu (" + par.threads() + " threads, " + L * 32 + "-bit vectors"
                + (convAlgorithm == dev.mgiad.engine.backend.ConvAlgorithm.AUTO ? "" : ", " + convAlgorithm.name().toLowerCase() + " 3x3") + ")";
    }

    @Override public int batchBlock() { return L; }

    static float[] seg(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s)) {
            throw new IllegalArgumentException("tensor " + t + " does not live on the CPU backend");
        }
        return s.array();
    }

    private static float[] segOrNull(Tensor t) { return t == null ? null : seg(t); }

    @Override
    public Tensor allocate(Shape shape, Layout layout) {
        return new Tensor(shape, layout, L, new CpuStorage(Tensor.storageFloats(shape, layout, L)));
    }

    @Override public void zero(Tensor t) { java.util.Arrays.fill(seg(t), 0, (int) t.floats(), 0f); }

    @Override
    public void copy(Tensor src, Tensor dst) {
        BackendChecks.copy(src, dst);
        System.arraycopy(seg(src), 0, seg(dst), 0, (int) src.floats());
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        BackendChecks.upload(src, dst);
        float[] m = seg(dst);
        if (dst.layout() == Layout.PLAIN) {
            System.arraycopy(src, 0, m, 0, src.length);
            return;
        }
        zero(dst);
        BatchBlocking.pack(src, dst.n(), dst.c() * dst.h() * dst.w(), L, m);
    }

    @Override
    public float[] download(Tensor src) {
        float[] m = seg(src);
        float[] out = new float[Math.toIntExact(src.shape().elements())];
        if (src.layout() == Layout.PLAIN) {
            System.arraycopy(m, 0, out, 0, out.length);
            return out;
        }
        BatchBlocking.unpack(m, src.n(), src.c() * src.h() * src.w(), L, out);
        return out;
    }

    // ------------------------------------------------------------------ convolution

    private float[] scratch = new float[0];

    /** A copy of {@code t} in a reused buffer, for epilogues whose base is the output itself. */
    private float[] snapshot(Tensor t) {
        int n = (int) t.floats();
        if (scratch.length < n) scratch = new float[n];
        System.arraycopy(seg(t), 0, scratch, 0, n);
        return scratch;
    }

    @Override
    public void convForward(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha) {
        BackendChecks.convForward(p, x, w, y, base, L);
        float[] b = base == null ? null : base == y ? snapshot(y) : seg(base);
        ConvJob j = ConvJob.forward(p, seg(x), seg(w), seg(y), b, alpha, x.batchBlocks(), convAlgorithm);
        ConvDispatch.forward(j, par);
    }

    /** The ReLU clamps each row in the convolution's epilogue (a kernel that did not report every row: a pass after). */
    @Override
    public void convForwardRelu(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha) {
        BackendChecks.convForward(p, x, w, y, base, L);
        float[] b = base == null ? null : base == y ? snapshot(y) : seg(base);
        ConvJob j = ConvJob.forward(p, seg(x), seg(w), seg(y), b, alpha, x.batchBlocks(), convAlgorithm);
        ReluRows rows = new ReluRows(y);
        j.rows = rows;
        ConvDispatch.forward(j, par);
        if (!rows.complete()) axpby(1f, y, 0f, null, true, y);
    }

    @Override
    public void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate) {
        BackendChecks.convBackwardData(p, dy, w, dx, L);
        ConvDispatch.BackwardData impl = ConvDispatch.backwardDataFor(p);
        // a kernel that stores raw sums before its epilogue adds the base needs a copy of dx as the base
        float[] base = !accumulate ? null : impl.rawSumsFirst() ? snapshot(dx) : seg(dx);
        impl.kernel().run(p, seg(dy), seg(w), seg(dx), base, alpha, dx.batchBlocks(), convAlgorithm, par);
    }

    /**
     * The input gradient with {@code then} in the convolution's epilogue where the kernel is a forward kernel on the
     * transposed weight (every stride-1 'same' convolution, the 1x1 transfers included); other kernels run it as a
     * pass of its own afterwards, as does a kernel that did not report every row.
     */
    @Override
    public void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate,
                                 GradientEpilogue then) {
        if (then == null) {
            convBackwardData(p, dy, w, dx, alpha, accumulate);
            return;
        }
        BackendChecks.convBackwardData(p, dy, w, dx, L);
        RowEpilogue rows = switch (then) {
            case GradientEpilogue.ReluMask m -> {
                BackendChecks.reluBackward(m.y(), dx, dx);
                yield new ReluMaskRows(m.y());
            }
            case GradientEpilogue.BatchNormSums s -> {
                BackendChecks.batchNormBackwardSums(s.x(), s.gamma(), s.beta(), s.saveMean(), s.saveInvStd(), dx, s.sums(), L);
                yield new BatchNormGradSums(s.x(), s.gamma(), s.beta(), s.saveMean(), s.saveInvStd(), s.relu());
            }
        };
        if (ConvDispatch.backwardDataFor(p) != ConvDispatch.AS_FORWARD) {
            convBackwardData(p, dy, w, dx, alpha, accumulate);
            finishGradient(dx, then);
            return;
        }
        // as ConvDispatch.AS_FORWARD, with the rows' epilogue; its kernels store raw sums first: the base is a copy
        ConvJob j = ConvJob.backwardData(p, seg(dy), seg(w), seg(dx), accumulate ? snapshot(dx) : null, alpha, dx.batchBlocks(), convAlgorithm);
        j.rows = rows;
        ConvDispatch.forward(j, par);
        if (!rows.complete()) finishGradient(dx, then);
        else if (rows instanceof BatchNormGradSums sums) sums.writeTo(seg(((GradientEpilogue.BatchNormSums) then).sums()));
    }

    @Override
    public void convBackwardWeights(ConvParams p, Tensor x, Tensor dy, Tensor dw, float alpha, boolean accumulate) {
        BackendChecks.convBackwardWeights(p, x, dy, dw, L);
        ConvDispatch.backwardWeights(p, seg(x), seg(dy), seg(dw), alpha, accumulate, x.batchBlocks(), convAlgorithm, par);
    }

    // ------------------------------------------------------------------ batch norm

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, Tensor saveMean, Tensor saveInvStd,
                               boolean relu, Tensor residual, Tensor y) {
        BackendChecks.batchNormTrain(x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, residual, y, L);
        NormKernels.train(x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu,
                residual, y, par);
    }

    @Override
    public void convBatchNormTrain(ConvParams p, Tensor x, Tensor w, Tensor base, float alpha, Tensor t,
                                   Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float momentum,
                                   float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Tensor residual,
                                   Tensor y) {
        BackendChecks.convForward(p, x, w, t, base, L);
        BackendChecks.batchNormTrain(t, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, residual, y, L);
        ConvStats stats = new ConvStats(t.batchBlocks(), t.c(), t.h(), t.w(), t.n());
        float[] b = base == null ? null : base == t ? snapshot(t) : seg(base);
        ConvJob job = ConvJob.forward(p, seg(x), seg(w), seg(t), b, alpha, x.batchBlocks(), convAlgorithm);
        job.stats = stats;
        ConvDispatch.forward(job, par);
        // every kernel ends its rows with ConvJob.epilogue; should one not, the statistics are computed from t
        NormKernels.train(t, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu,
                residual, y, stats.complete() ? stats : null, par);
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
                              boolean relu, Tensor residual, Tensor y) {
        BackendChecks.batchNormEval(x, gamma, beta, runningMean, runningVar, residual, y, L);
        NormKernels.eval(x, gamma, beta, runningMean, runningVar, eps, relu, residual, y, par);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                  boolean relu, Tensor dy, Tensor dx, boolean accumulateDx,
                                  Tensor dgamma, Tensor dbeta, boolean accumulateParams) {
        BackendChecks.batchNormBackward(x, gamma, beta, saveMean, saveInvStd, dy, dx, dgamma, dbeta, L);
        NormKernels.backward(x, gamma, beta, saveMean, saveInvStd, relu, dy, dx, accumulateDx, dgamma, dbeta,
                accumulateParams, par);
    }

    @Override public boolean fusesGradientPasses() { return true; }

    @Override
    public void batchNormBackwardSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                      boolean relu, Tensor dy, Tensor sums) {
        BackendChecks.batchNormBackwardSums(x, gamma, beta, saveMean, saveInvStd, dy, sums, L);
        BatchNormGradSums.of(x, gamma, beta, saveMean, saveInvStd, relu, dy, par).writeTo(seg(sums));
    }

    @Override
    public void batchNormBackwardWithSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                          boolean relu, Tensor dy, Tensor sums, Tensor dx, boolean accumulateDx,
                                          Tensor dgamma, Tensor dbeta, boolean accumulateParams) {
        BackendChecks.batchNormBackward(x, gamma, beta, saveMean, saveInvStd, dy, dx, dgamma, dbeta, L);
        BackendChecks.channelVector("batch_norm backward sums (2 per channel)", sums, 2 * x.c());
        NormKernels.backwardWithSums(x, gamma, beta, saveMean, saveInvStd, relu, dy, seg(sums), dx, accumulateDx,
                dgamma, dbeta, accumulateParams, par);
    }

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, Tensor saveMean, Tensor saveInvStd,
                               boolean relu, Tensor residual, Tensor y, CrossRankSum ranks) {
        if (ranks == null) {
            batchNormTrain(x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, residual, y);
            return;
        }
        BackendChecks.batchNormTrain(x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, residual, y, L);
        NormKernels.trainSynchronised(x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd,
                relu, residual, y, ranks, par);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                  boolean relu, Tensor dy, Tensor dx, boolean accumulateDx,
                                  Tensor dgamma, Tensor dbeta, boolean accumulateParams, CrossRankSum ranks) {
        if (ranks == null) {
            batchNormBackward(x, gamma, beta, saveMean, saveInvStd, relu, dy, dx, accumulateDx, dgamma, dbeta, accumulateParams);
            return;
        }
        BackendChecks.batchNormBackward(x, gamma, beta, saveMean, saveInvStd, dy, dx, dgamma, dbeta, L);
        NormKernels.backwardSynchronised(x, gamma, beta, saveMean, saveInvStd, relu, dy, dx, accumulateDx, dgamma, dbeta,
                accumulateParams, ranks, par);
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
        BackendChecks.axpby(x, y, out);
        float[] mx = seg(x), my = segOrNull(y), mo = seg(out);
        FloatVector zero = FloatVector.zero(S);
        forChunks(out.floats(), (lo, hi) -> {
            for (long i = lo; i < hi; i += L) {
                int off = (int) i;
                FloatVector v = FloatVector.fromArray(S, mx, (int) (off)).mul(a);
                if (my != null) v = FloatVector.fromArray(S, my, (int) (off)).fma(FloatVector.broadcast(S, b), v);
                if (relu) v = v.max(zero);
                v.intoArray(mo, (int) (off));
            }
        });
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
        BackendChecks.reluBackward(y, dy, dx);
        float[] my = seg(y), mdy = seg(dy), mdx = seg(dx);
        forChunks(y.floats(), (lo, hi) -> reluBackward(my, mdy, mdx, lo, hi, accumulate));
    }

    // its own method, not the lambda's body: there the masks were not intrinsified and the pass ran 4-7x slower than
    // an axpby over the same bytes
    private static void reluBackward(float[] my, float[] mdy, float[] mdx, long lo, long hi, boolean accumulate) {
        FloatVector zero = FloatVector.zero(S);
        for (long i = lo; i < hi; i += L) {
            int off = (int) i;
            VectorMask<Float> on = FloatVector.fromArray(S, my, off).compare(VectorOperators.GT, 0f);
            FloatVector g = zero.blend(FloatVector.fromArray(S, mdy, off), on);
            if (accumulate) g = g.add(FloatVector.fromArray(S, mdx, off));
            g.intoArray(mdx, off);
        }
    }

    // ------------------------------------------------------------------ pooling, bias, shortcut

    @Override
    public void globalAvgPool(Tensor x, Tensor y) {
        BackendChecks.globalAvgPool(x, y, L);
        float[] mx = seg(x), my = seg(y);
        int hw = x.h() * x.w();
        float inv = 1f / hw;
        int items = x.batchBlocks() * x.c();
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                long base = (long) it * hw * L;
                FloatVector a = FloatVector.zero(S);
                for (int p = 0; p < hw; p++) a = a.add(FloatVector.fromArray(S, mx, (int) (base + (long) p * L)));
                a.mul(inv).intoArray(my, (int) ((long) it * L));
            }
        });
    }

    @Override
    public void globalAvgPoolBackward(Tensor dy, Tensor dx, boolean accumulate) {
        BackendChecks.globalAvgPoolBackward(dy, dx, L);
        float[] mdy = seg(dy), mdx = seg(dx);
        int hw = dx.h() * dx.w();
        float inv = 1f / hw;
        int items = dx.batchBlocks() * dx.c();
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                FloatVector g = FloatVector.fromArray(S, mdy, (int) ((long) it * L)).mul(inv);
                long base = (long) it * hw * L;
                for (int p = 0; p < hw; p++) {
                    long off = base + (long) p * L;
                    FloatVector v = accumulate ? g.add(FloatVector.fromArray(S, mdx, (int) (off))) : g;
                    v.intoArray(mdx, (int) (off));
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
        BackendChecks.addBias(y, bias, L);
        float[] my = seg(y), mb = seg(bias);
        int c = y.c(), hw = y.h() * y.w();
        int items = y.batchBlocks() * c;
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int nb = it / c, ch = it % c;
                FloatVector b = FloatVector.zero(S).blend(mb[(int) (ch)], realLanes(y, nb));
                long base = (long) it * hw * L;
                for (int p = 0; p < hw; p++) {
                    long off = base + (long) p * L;
                    FloatVector.fromArray(S, my, (int) (off)).add(b).intoArray(my, (int) (off));
                }
            }
        });
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db, boolean accumulate) {
        BackendChecks.biasBackward(dy, db, L);
        float[] mdy = seg(dy), mdb = seg(db);
        int c = dy.c(), hw = dy.h() * dy.w(), nbs = dy.batchBlocks();
        par.forRange(c, (from, to, t) -> {
            for (int ch = from; ch < to; ch++) {
                double sum = 0;
                for (int nb = 0; nb < nbs; nb++) {
                    long base = ((long) nb * c + ch) * hw * L;
                    FloatVector a = FloatVector.zero(S);
                    for (int p = 0; p < hw; p++) a = a.add(FloatVector.fromArray(S, mdy, (int) (base + (long) p * L)));
                    sum += Lanes.sum(a);
                }
                float v = (float) sum;
                mdb[(int) (ch)] = accumulate ? mdb[(int) (ch)] + v : v;
            }
        });
    }

    @Override
    public void shortcutA(Tensor x, int stride, Tensor y) {
        BackendChecks.shortcutA(x, stride, y, L);
        float[] mx = seg(x), my = seg(y);
        int ci = x.c(), co = y.c(), padC = (co - ci) / 2, h = x.h(), w = x.w(), oh = y.h(), ow = y.w();
        int items = y.batchBlocks() * co;
        FloatVector zero = FloatVector.zero(S);
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int nb = it / co, c = it % co, src = c - padC;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        long yo = (((long) it * oh + oy) * ow + ox) * L;
                        FloatVector v = zero;
                        if (src >= 0 && src < ci) {
                            long xo = ((((long) nb * ci + src) * h + (long) oy * stride) * w + (long) ox * stride) * L;
                            v = FloatVector.fromArray(S, mx, (int) (xo));
                        }
                        v.intoArray(my, (int) (yo));
                    }
                }
            }
        });
    }

    @Override
    public void shortcutABackward(Tensor dy, int stride, Tensor dx, boolean accumulate) {
        BackendChecks.shortcutABackward(dy, stride, dx, L);
        float[] mdy = seg(dy), mdx = seg(dx);
        int ci = dx.c(), co = dy.c(), padC = (co - ci) / 2, h = dx.h(), w = dx.w(), oh = dy.h(), ow = dy.w();
        int items = dx.batchBlocks() * ci;
        FloatVector zero = FloatVector.zero(S);
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int nb = it / ci, c = it % ci;
                long chan = (long) it * h * w * L;
                for (int iy = 0; iy < h; iy++) {
                    for (int ix = 0; ix < w; ix++) {
                        long xo = chan + ((long) iy * w + ix) * L;
                        FloatVector g = zero;
                        if (iy % stride == 0 && ix % stride == 0 && iy / stride < oh && ix / stride < ow) {
                            long yo = ((((long) nb * co + c + padC) * oh + iy / stride) * ow + ix / stride) * L;
                            g = FloatVector.fromArray(S, mdy, (int) (yo));
                        }
                        if (accumulate) g = g.add(FloatVector.fromArray(S, mdx, (int) (xo)));
                        g.intoArray(mdx, (int) (xo));
                    }
                }
            }
        });
    }

    // ------------------------------------------------------------------ optimizer and reductions

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay,
                        boolean nesterov) {
        BackendChecks.sgdStep(param, grad, velocity);
        float[] mp = seg(param), mg = segOrNull(grad), mv = seg(velocity);
        long n = param.floats();
        for (long i = 0; i < n; i++) {
            float p = mp[(int) (i)];
            float g = (mg == null ? 0f : mg[(int) (i)]) + weightDecay * p;
            float v = momentum * mv[(int) (i)] + g;
            mv[(int) (i)] = v;
            mp[(int) (i)] = p - lr * (nesterov ? g + momentum * v : v);
        }
    }

    @Override
    public double sumOfSquares(Tensor t) {
        float[] m = seg(t);
        long n = t.floats();
        double sum = 0;
        long i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(S, m, (int) i);
            sum += Lanes.sum(v.mul(v));
        }
        for (; i < n; i++) {
            float v = m[(int) (i)];
            sum += (double) v * v;
        }
        return sum;
    }

    @Override public void close() { par.close(); }
}
