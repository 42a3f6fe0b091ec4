package dev.mgiad.opencl;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.backend.BackendChecks;
import dev.mgiad.engine.tensor.BatchBlocking;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/**
 * The engine's operator set as OpenCL C 1.2 kernels on one device. Tensors live in device buffers
 * ({@link ClStorage}); the host sees their data only through {@link #upload} and {@link #download}. Activations are
 * batch-blocked with {@link #batchBlock()} images innermost (16 by default, see {@link Layout#BATCH_BLOCKED}) and
 * their padding lanes stay zero; parameters are plain.
 *
 * <p>Kernels ({@code conv2d.cl}, {@code batch_norm.cl}, {@code elementwise.cl} next to this class) are built on
 * first use with the batch block, the kernel size, the stride and the channel blocking baked in as {@code -D}
 * options and cached per (source, options); sizes are arguments, so a model needs a handful of builds. Every call
 * is enqueued on one in-order queue and returns at once; {@link #sync()} waits for the queue, {@link #download}
 * and {@link #sumOfSquares} wait for their own result. One thread drives a backend.
 *
 * <pre>{@code
 * if (OpenCl.probe().available()) {
 *     try (Backend gpu = OpenClBackend.open("opencl")) { ... }
 * }
 * }</pre>
 */
public final class OpenClBackend implements Backend {
    /** The default batch block: 16 consecutive images make 64-byte loads per pixel. */
    public static final int DEFAULT_BATCH_BLOCK = 16;

    private static final String CONV = "conv2d.cl", NORM = "batch_norm.cl", ELEM = "elementwise.cl";
    /** Work-group size of the elementwise kernels and of conv forward / input gradient. */
    private static final int WG = 64;
    /** Work-group size of the weight gradient: its tree over up to 36 sums per work-item takes 9 KiB of local memory. */
    private static final int WG_WEIGHTS = 64;

    private final ClContext ctx;
    private final int block;
    private final int rwg;
    private final String common;
    private ClStorage scratch;

    /** The backend on the device a spec names: {@code opencl} (first GPU, else first device) or {@code opencl:N}. */
    public static OpenClBackend open(String spec) { return new OpenClBackend(OpenCl.select(spec)); }

    public OpenClBackend(OpenCl.DeviceInfo device) { this(device, DEFAULT_BATCH_BLOCK); }

    /** @param batchBlock the batch block B of activations, a power of two from 1 to 64 */
    public OpenClBackend(OpenCl.DeviceInfo device, int batchBlock) {
        if (batchBlock < 1 || batchBlock > 64 || Integer.bitCount(batchBlock) != 1) {
            throw new IllegalArgumentException("OpenCL batch block must be a power of two in 1..64, got " + batchBlock);
        }
        this.block = batchBlock;
        this.ctx = new ClContext(device);
        // the per-channel reductions: 256 work-items where the device allows it
        this.rwg = (int) Long.highestOneBit(Math.min(256, device.maxWorkGroupSize()));
        this.common = "-DB=" + block + " -DRWG=" + rwg;
    }

    public OpenCl.DeviceInfo device() { return ctx.info; }

    @Override public String name() { return "opencl (" + ctx.info.name() + ", " + ctx.info.type() + ", batch block " + block + ")"; }

    @Override public int batchBlock() { return block; }

    /** Programs built so far and the milliseconds {@code clBuildProgram} took, for reports. */
    public String buildStats() { return ctx.programCount() + " programs built in " + ctx.buildNanos() / 1_000_000 + " ms"; }

    int programCount() { return ctx.programCount(); }

    // ------------------------------------------------------------------ memory

    private ClStorage mem(Tensor t) {
        if (!(t.storage() instanceof ClStorage s) || s.owner() != ctx) {
            throw new IllegalArgumentException("tensor " + t + " does not live on this OpenCL backend");
        }
        return s;
    }

    /** Elements of a tensor's storage as an int (kernels index with 32-bit ints). */
    private static int floats(Tensor t) { return (int) t.floats(); }

    @Override
    public Tensor allocate(Shape shape, Layout layout) {
        long floats = Tensor.storageFloats(shape, layout, block);
        if (floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an OpenCL tensor holds at most 2^31-1 floats (kernels index with int), "
                    + shape + " needs " + floats);
        }
        ClStorage s = new ClStorage(ctx, floats);
        ctx.fillZero(s, floats * Float.BYTES);
        return new Tensor(shape, layout, block, s);
    }

    /** A device buffer for partial sums, reused by every call (the queue is in order). */
    private ClStorage scratch(long floats) {
        if (scratch == null || scratch.floats() < floats) scratch = new ClStorage(ctx, Math.max(floats, 1024));
        return scratch;
    }

    @Override public void zero(Tensor t) { ctx.fillZero(mem(t), t.floats() * Float.BYTES); }

    @Override
    public void copy(Tensor src, Tensor dst) {
        BackendChecks.copy(src, dst);
        if (src.storage() != dst.storage()) ctx.copy(mem(src), mem(dst), src.floats() * Float.BYTES);
    }

    @Override
    public void upload(float[] src, Tensor dst) {
        BackendChecks.upload(src, dst);
        ClStorage m = mem(dst);
        if (dst.layout() == Layout.PLAIN) {
            ctx.write(m, src, src.length);
            return;
        }
        float[] blocked = new float[floats(dst)];
        BatchBlocking.pack(src, dst.n(), dst.c() * dst.h() * dst.w(), block, blocked);
        ctx.write(m, blocked, blocked.length);
    }

    @Override
    public float[] download(Tensor src) {
        ClStorage m = mem(src);
        float[] out = new float[Math.toIntExact(src.shape().elements())];
        if (src.layout() == Layout.PLAIN) {
            ctx.read(m, out, out.length);
            return out;
        }
        float[] blocked = new float[floats(src)];
        ctx.read(m, blocked, blocked.length);
        BatchBlocking.unpack(blocked, src.n(), src.c() * src.h() * src.w(), block, out);
        return out;
    }

    @Override public void sync() { ctx.finish(); }

    @Override public void close() { ctx.close(); }

    // ------------------------------------------------------------------ launch helpers

    private static long roundUp(long n, long m) { return (n + m - 1) / m * m; }

    /** One work-item per element of {@code total}, in groups of {@link #WG}. */
    private void elementwise(ClContext.Launch l, int total) {
        l.i32(total).run(new long[]{roundUp(total, WG)}, new long[]{WG});
    }

    private ClContext.Launch elem(String kernel) { return ctx.launch(ELEM, common, kernel); }

    /** Largest of 8, 4, 2, 1 that divides {@code channels} and is at most {@code max}. */
    private static int channelBlock(int channels, int max) {
        for (int b = max; b > 1; b >>= 1) if (channels % b == 0) return b;
        return 1;
    }

    /** Output channels per work-item of the forward pass. */
    private static int forwardBlock(ConvParams p) { return channelBlock(p.coutPerGroup(), 8); }

    /** Input channels per work-item of the input gradient. */
    private static int dataBlock(ConvParams p) { return channelBlock(p.cinPerGroup(), 8); }

    /** Output channels per work-group of the weight gradient: K*K accumulators each, at most 36 in registers. */
    private static int weightBlock(ConvParams p) {
        return channelBlock(p.coutPerGroup(), Math.min(8, Integer.highestOneBit(36 / Math.min(36, p.taps()))));
    }

    /** Options of a conv2d.cl build; one build serves all three directions of every layer with the same K, S and blocking. */
    private String convOptions(ConvParams p) { return common + " " + convVariant(p); }

    /** The {@code -D} options of conv2d.cl a problem needs besides the batch block: which kernel variant runs it. */
    static String convVariant(ConvParams p) {
        return "-DK=" + p.k() + " -DS=" + p.stride() + " -DOCB=" + forwardBlock(p) + " -DICB=" + dataBlock(p)
                + " -DOCBW=" + weightBlock(p) + " -DRWGW=" + WG_WEIGHTS;
    }

    // ------------------------------------------------------------------ convolution

    /** The shape arguments every conv2d kernel takes after its buffers and scalars, in conv2d.cl's order. */
    private static ClContext.Launch shapeArgs(ClContext.Launch l, ConvParams p) {
        return l.i32(p.cin()).i32(p.h()).i32(p.w()).i32(p.cout()).i32(p.oh()).i32(p.ow())
                .i32(p.cinPerGroup()).i32(p.coutPerGroup()).i32(p.pad());
    }

    @Override
    public void convForward(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha) {
        BackendChecks.convForward(p, x, w, y, base, block);
        int ocb = forwardBlock(p);
        shapeArgs(ctx.launch(CONV, convOptions(p), "conv2d_fwd")
                .mem(mem(x)).mem(mem(w)).mem(mem(y)).mem(base == null ? mem(y) : mem(base)).i32(base == null ? 0 : 1)
                .f32(alpha), p)
                .run(new long[]{roundUp((long) block * p.oh() * p.ow(), WG), p.cout() / ocb, x.batchBlocks()},
                        new long[]{WG, 1, 1});
    }

    @Override
    public void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate) {
        BackendChecks.convBackwardData(p, dy, w, dx, block);
        int icb = dataBlock(p);
        shapeArgs(ctx.launch(CONV, convOptions(p), "conv2d_bwd_data")
                .mem(mem(dy)).mem(mem(w)).mem(mem(dx)).i32(accumulate ? 1 : 0).f32(alpha), p)
                .run(new long[]{roundUp((long) block * p.h() * p.w(), WG), p.cin() / icb, dx.batchBlocks()},
                        new long[]{WG, 1, 1});
    }

    @Override
    public void convBackwardWeights(ConvParams p, Tensor x, Tensor dy, Tensor dw, float alpha, boolean accumulate) {
        BackendChecks.convBackwardWeights(p, x, dy, dw, block);
        int ocb = weightBlock(p);
        int groups = p.cout() / ocb * p.cinPerGroup();
        int nb = x.batchBlocks();
        // split the sum over image blocks until there are a few work-groups per compute unit
        int split = Math.max(1, Math.min(nb, 4 * ctx.info.computeUnits() / Math.max(1, groups)));
        int elems = (int) p.weightElements();
        ClStorage part = split == 1 ? mem(dw) : scratch((long) split * elems);
        shapeArgs(ctx.launch(CONV, convOptions(p), "conv2d_bwd_weights")
                .mem(mem(x)).mem(mem(dy)).mem(mem(dw)).mem(part).i32(accumulate ? 1 : 0).f32(alpha), p).i32(nb)
                .run(new long[]{(long) WG_WEIGHTS * groups, 1, split}, new long[]{WG_WEIGHTS, 1, 1});
        if (split > 1) {
            ctx.launch(CONV, convOptions(p), "conv2d_bwd_weights_sum")
                    .mem(part).mem(mem(dw)).i32(accumulate ? 1 : 0).f32(alpha).i32(elems).i32(split)
                    .run(new long[]{roundUp(elems, WG)}, new long[]{WG});
        }
    }

    // ------------------------------------------------------------------ batch norm

    @Override
    public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                               float momentum, float eps, Tensor saveMean, Tensor saveInvStd,
                               boolean relu, Tensor residual, Tensor y) {
        BackendChecks.batchNormTrain(x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, residual, y, block);
        int hw = x.h() * x.w();
        ctx.launch(NORM, common, "bnorm_stats")
                .mem(mem(x)).mem(mem(saveMean)).mem(mem(saveInvStd)).mem(mem(runningMean)).mem(mem(runningVar))
                .f32(momentum).f32(eps).i32(x.c()).i32(hw).i32(x.batchBlocks()).i32(x.n())
                .run(new long[]{rwg, x.c()}, new long[]{rwg, 1});
        apply(x, gamma, beta, saveMean, saveInvStd, false, eps, relu, residual, y);
    }

    @Override
    public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
                              boolean relu, Tensor residual, Tensor y) {
        BackendChecks.batchNormEval(x, gamma, beta, runningMean, runningVar, residual, y, block);
        apply(x, gamma, beta, runningMean, runningVar, true, eps, relu, residual, y);
    }

    private void apply(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor stat, boolean eval, float eps,
                       boolean relu, Tensor residual, Tensor y) {
        ClContext.Launch l = ctx.launch(NORM, common, "bnorm_apply")
                .mem(mem(x)).mem(mem(gamma)).mem(mem(beta)).mem(mem(mean)).mem(mem(stat)).i32(eval ? 1 : 0).f32(eps)
                .i32(relu ? 1 : 0).mem(residual == null ? mem(x) : mem(residual)).i32(residual == null ? 0 : 1)
                .mem(mem(y)).i32(x.c()).i32(x.h() * x.w()).i32(x.n());
        elementwise(l, floats(y));
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                  boolean relu, Tensor dy, Tensor dx, boolean accumulateDx,
                                  Tensor dgamma, Tensor dbeta, boolean accumulateParams) {
        BackendChecks.batchNormBackward(x, gamma, beta, saveMean, saveInvStd, dy, dx, dgamma, dbeta, block);
        int hw = x.h() * x.w();
        ClStorage sums = scratch(2L * x.c());
        ctx.launch(NORM, common, "bnorm_bwd_reduce")
                .mem(mem(x)).mem(mem(gamma)).mem(mem(beta)).mem(mem(saveMean)).mem(mem(saveInvStd)).i32(relu ? 1 : 0)
                .mem(mem(dy)).mem(mem(dgamma)).mem(mem(dbeta)).i32(accumulateParams ? 1 : 0).mem(sums)
                .i32(x.c()).i32(hw).i32(x.batchBlocks())
                .run(new long[]{rwg, x.c()}, new long[]{rwg, 1});
        ClContext.Launch l = ctx.launch(NORM, common, "bnorm_bwd_data")
                .mem(mem(x)).mem(mem(gamma)).mem(mem(beta)).mem(mem(saveMean)).mem(mem(saveInvStd)).i32(relu ? 1 : 0)
                .mem(mem(dy)).mem(mem(dx)).i32(accumulateDx ? 1 : 0).mem(sums).i32(x.c()).i32(hw).i32(x.n());
        elementwise(l, floats(dx));
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void axpby(float a, Tensor x, float b, Tensor y, boolean relu, Tensor out) {
        BackendChecks.axpby(x, y, out);
        elementwise(elem("axpby").f32(a).mem(mem(x)).f32(b).mem(y == null ? mem(x) : mem(y)).i32(y == null ? 0 : 1)
                .i32(relu ? 1 : 0).mem(mem(out)), floats(out));
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
        BackendChecks.reluBackward(y, dy, dx);
        elementwise(elem("relu_bwd").mem(mem(y)).mem(mem(dy)).mem(mem(dx)).i32(accumulate ? 1 : 0), floats(dx));
    }

    // ------------------------------------------------------------------ pooling, bias, shortcut

    @Override
    public void globalAvgPool(Tensor x, Tensor y) {
        BackendChecks.globalAvgPool(x, y, block);
        elementwise(elem("gap_fwd").mem(mem(x)).mem(mem(y)).i32(x.h() * x.w()), floats(y));
    }

    @Override
    public void globalAvgPoolBackward(Tensor dy, Tensor dx, boolean accumulate) {
        BackendChecks.globalAvgPoolBackward(dy, dx, block);
        elementwise(elem("gap_bwd").mem(mem(dy)).mem(mem(dx)).i32(accumulate ? 1 : 0).i32(dx.h() * dx.w()), floats(dx));
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        BackendChecks.addBias(y, bias, block);
        elementwise(elem("add_bias").mem(mem(y)).mem(mem(bias)).i32(y.c()).i32(y.h() * y.w()).i32(y.n()), floats(y));
    }

    @Override
    public void biasBackward(Tensor dy, Tensor db, boolean accumulate) {
        BackendChecks.biasBackward(dy, db, block);
        elem("bias_bwd").mem(mem(dy)).mem(mem(db)).i32(accumulate ? 1 : 0).i32(dy.c()).i32(dy.h() * dy.w())
                .i32(dy.batchBlocks()).run(new long[]{rwg, dy.c()}, new long[]{rwg, 1});
    }

    @Override
    public void shortcutA(Tensor x, int stride, Tensor y) {
        BackendChecks.shortcutA(x, stride, y, block);
        elementwise(elem("shortcut_a_fwd").mem(mem(x)).mem(mem(y)).i32(stride).i32(x.c()).i32(x.h()).i32(x.w())
                .i32(y.c()).i32(y.h()).i32(y.w()), floats(y));
    }

    @Override
    public void shortcutABackward(Tensor dy, int stride, Tensor dx, boolean accumulate) {
        BackendChecks.shortcutABackward(dy, stride, dx, block);
        elementwise(elem("shortcut_a_bwd").mem(mem(dy)).mem(mem(dx)).i32(accumulate ? 1 : 0).i32(stride)
                .i32(dx.c()).i32(dx.h()).i32(dx.w()).i32(dy.c()).i32(dy.h()).i32(dy.w()), floats(dx));
    }

    // ------------------------------------------------------------------ optimizer and reductions

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay,
                        boolean nesterov) {
        BackendChecks.sgdStep(param, grad, velocity);
        elementwise(elem("sgd_step").mem(mem(param)).mem(grad == null ? mem(param) : mem(grad)).i32(grad == null ? 0 : 1)
                .mem(mem(velocity)).f32(lr).f32(momentum).f32(weightDecay).i32(nesterov ? 1 : 0), floats(param));
    }

    @Override
    public double sumOfSquares(Tensor t) {
        int total = floats(t);
        int groups = (int) Math.max(1, Math.min(64, (total + rwg - 1) / rwg));
        ClStorage part = scratch(groups);
        elem("sum_sq").mem(mem(t)).mem(part).i32(total).run(new long[]{(long) groups * rwg}, new long[]{rwg});
        float[] partial = new float[groups];
        ctx.read(part, partial, groups);
        double sum = 0;
        for (float v : partial) sum += v;
        return sum;
    }
}
