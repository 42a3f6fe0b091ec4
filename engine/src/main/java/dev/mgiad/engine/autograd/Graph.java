package dev.mgiad.engine.autograd;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.backend.CrossRankSum;
import dev.mgiad.engine.backend.GradientEpilogue;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Ops;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Records a forward pass as a tape and runs it backwards. Every operator computes its output through the
 * {@link Backend} and, in training mode, appends a closure that maps the output's gradient to its inputs'
 * gradients. Gradients follow the write-or-accumulate rule: the first contribution writes, later ones add, so a
 * value or weight used several times receives the sum of all its uses with no zero-fill pass.
 *
 * <p>Activations and gradients come from a {@link BufferPool} and are returned by {@link #reset()} after each step.
 *
 * <p>The graph implements the models' operator vocabulary {@link Ops} itself: a model's forward pass, written once
 * against {@code Ops<T>}, runs on a graph with {@code T = Var} and each of its calls goes straight to the operator
 * here.
 */
public final class Graph implements Ops<Var> {
    /**
     * {@code -Dmgiad.fusion=off} runs the fused operators as their unfused compositions (conv then batch norm, conv
     * then ReLU, ReLU masks, additions and batch norm's backward reductions as separate passes, no gradient
     * epilogues), for A/B measurements of the fusion and for debugging; {@link #setFusion} does it per graph.
     */
    public static final String FUSION_PROPERTY = "mgiad.fusion";
    static final boolean FUSE = !"off".equals(System.getProperty(FUSION_PROPERTY));

    private final Backend be;
    private final BufferPool pool;
    private final List<Runnable> tape = new ArrayList<>();
    private boolean training = true;
    private boolean fuse = FUSE;
    private CrossRankSum batchNormRanks;
    private Consumer<Parameter> gradientReady;
    /** Tape index of each parameter's first use in the forward pass: its gradient is final once that entry ran. */
    private final Map<Parameter, Integer> firstUse = new LinkedHashMap<>(); // identity keys, forward order

    public Graph(Backend backend) {
        this.be = backend;
        this.pool = new BufferPool(backend);
    }

    public Backend backend() { return be; }
    public BufferPool pool() { return pool; }
    public boolean training() { return training; }

    /**
     * Fused operators on (the default, unless {@code -Dmgiad.fusion=off}) or off: the unfused graph runs every
     * operator as its own pass. Both compute the same arithmetic in the same order, so they agree bit for bit on the
     * CPU; the switch is for A/B measurements and tests.
     */
    public void setFusion(boolean on) { this.fuse = on; }

    public boolean fusion() { return fuse; }

    /** Gradient epilogues ({@link GradientEpilogue}) need the backend's split batch-norm backward. */
    private boolean fuseGradients() { return fuse && be.fusesGradientPasses(); }

    /** Training mode records the tape and uses batch statistics; evaluation mode does neither. */
    public void setTraining(boolean training) { this.training = training; }

    /**
     * Synchronised batch norm for data-parallel training: in training mode every batch norm takes its statistics
     * over all ranks through {@code ranks} (null: this process's batch only, the default).
     */
    public void synchronizeBatchNorm(CrossRankSum ranks) { this.batchNormRanks = ranks; }

    /**
     * Calls {@code listener} during {@link #backward()} as soon as a parameter's gradient for this step is final,
     * i.e. right after the tape entry of its first use in the forward pass ran (a shared weight used at several call
     * sites is final only then). Data-parallel training starts all-reducing a bucket of gradients while the rest of
     * the backward pass still runs. Parameters the tape never used are not reported. Null removes the listener.
     */
    public void onGradientReady(Consumer<Parameter> listener) { this.gradientReady = listener; }

    private void noteUse(Parameter... params) {
        if (gradientReady == null) return;
        for (Parameter p : params) firstUse.putIfAbsent(p, tape.size());
    }

    /** Forgets the tape and returns all activation and gradient buffers to the pool. */
    public void reset() {
        tape.clear();
        firstUse.clear();
        pool.releaseAll();
    }

    // ------------------------------------------------------------------ values and gradients

    private Tensor newActivation(int n, int c, int h, int w) { return pool.acquire(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED); }

    /** An input batch in NCHW order (host floats), copied to the backend. */
    public Var input(float[] nchw, int n, int c, int h, int w) {
        Tensor t = newActivation(n, c, h, w);
        be.upload(nchw, t);
        return new Var(t, false);
    }

    /** Wraps a tensor the caller owns; with requiresGrad its gradient is available after backward. */
    public Var wrap(Tensor t, boolean requiresGrad) { return new Var(t, requiresGrad); }

    /** A zero activation (the initial feature u = 0 of MgNet). */
    public Var zeros(int n, int c, int h, int w) {
        Tensor t = newActivation(n, c, h, w);
        be.zero(t);
        return new Var(t, false);
    }

    @Override public Shape shape(Var x) { return x.shape(); }

    @Override
    public Var zerosLike(Var x) {
        Shape s = x.shape();
        return zeros(s.n(), s.c(), s.h(), s.w());
    }

    private Var output(Tensor t, Var... inputs) {
        boolean rg = false;
        for (Var v : inputs) rg |= v != null && v.requiresGrad;
        return new Var(t, rg || hasParams);
    }

    private boolean hasParams = true; // parameters always require gradients in training mode

    private boolean record() { return training; }

    /** Gradient buffer of v for a backward contribution, and whether to accumulate into it. */
    private GradSlot slot(Var v) {
        if (v.grad == null) v.grad = pool.acquire(v.value.shape(), v.value.layout());
        boolean acc = v.gradValid;
        v.gradValid = true;
        v.contributions++;
        return new GradSlot(v.grad, acc);
    }

    /** Counts, when an operator is recorded, each input whose gradient its closure may add to. */
    private static void use(Var... inputs) {
        for (Var v : inputs) if (needs(v)) v.uses++;
    }

    /**
     * The epilogue to run with the contribution about to be made to v's gradient, when that contribution is the last
     * one: every other recorded use has contributed already (a use whose closure is skipped never counts, which only
     * makes this answer null, never wrong). The caller then must run it and mark v finished.
     */
    private GradientEpilogue lastContributionEpilogue(Var v) {
        return fuseGradients() && v.finish != null && v.contributions == v.uses - 1 ? v.finish : null;
    }

    private GradSlot slot(Parameter p) {
        Tensor g = p.grad(be);
        boolean acc = p.gradValid();
        p.markGradValid();
        return new GradSlot(g, acc);
    }

    private record GradSlot(Tensor tensor, boolean accumulate) { }

    /**
     * Adds {@code out}'s gradient to {@code target}'s, for an identity edge (the base of a fused convolution, the
     * residual of a batch norm). Called last in a closure, when {@code out}'s gradient is no longer read: a first
     * contribution then takes over the buffer instead of copying it.
     */
    private void passGradient(Var out, Var target) {
        target.contributions++;
        if (!target.gradValid) {
            target.grad = out.grad;
            target.gradValid = true;
            out.grad = null;
            out.gradValid = false;
        } else {
            be.axpby(1f, out.grad, 1f, target.grad, false, target.grad);
        }
    }

    private static boolean needs(Var v) { return v != null && v.requiresGrad; }

    private static boolean trainable(Parameter p) { return !p.unused(); }

    // ------------------------------------------------------------------ operators

    /** {@code conv(x)}. */
    @Override
    public Var conv(Conv2d conv, Var x) { return convInto(conv, x, null, 1f); }

    /**
     * {@code base + alpha * conv(x)} in one pass; {@code base - A(u)} (alpha = -1) is MgNet's residual
     * {@code f - A u}.
     */
    @Override
    public Var convInto(Conv2d conv, Var x, Var base, float alpha) {
        Tensor xv = x.value;
        ConvParams p = conv.params(xv.n(), xv.h(), xv.w());
        Tensor y = newActivation(xv.n(), conv.out, p.oh(), p.ow());
        be.convForward(p, xv, conv.weight.value(), y, base == null ? null : base.value, alpha);
        Var out = output(y, x, base);
        if (record()) {
            noteUse(conv.weight);
            use(x, base);
            tape.add(() -> {
                if (!out.gradValid) return;
                convGradients(p, conv, x, alpha, base, out);
            });
        }
        return out;
    }

    /**
     * {@code ReLU(base + alpha * conv(x))} as one operator: the ReLU clamps the convolution's rows in its epilogue,
     * and in the backward pass the mask comes from the epilogue of the last contribution to the output's gradient
     * (else from a pass of its own, in place) before the convolution's backward.
     */
    @Override
    public Var convIntoRelu(Conv2d conv, Var x, Var base, float alpha) {
        if (!fuse) return relu(convInto(conv, x, base, alpha));
        Tensor xv = x.value;
        ConvParams p = conv.params(xv.n(), xv.h(), xv.w());
        Tensor y = newActivation(xv.n(), conv.out, p.oh(), p.ow());
        be.convForwardRelu(p, xv, conv.weight.value(), y, base == null ? null : base.value, alpha);
        Var out = output(y, x, base);
        if (record()) {
            noteUse(conv.weight);
            use(x, base);
            if (fuseGradients()) out.finish = new GradientEpilogue.ReluMask(y);
            tape.add(() -> {
                if (!out.gradValid) return;
                if (!out.finished) be.reluBackward(y, out.grad, out.grad, false);
                convGradients(p, conv, x, alpha, base, out);
            });
        }
        return out;
    }

    /**
     * {@code x.grad (+)= alpha * conv^T(dy)}; when this is the last contribution to x's gradient, with the work x's
     * producer asked for (its ReLU mask or its batch norm's reductions) in the convolution's epilogue.
     */
    /**
     * A convolution's backward from the gradient of {@code out = base + alpha * conv(x)}: x's gradient, the weight's,
     * then base's (in this order in every convolution operator, fused or not, so their gradients agree bit for bit).
     */
    private void convGradients(ConvParams p, Conv2d conv, Var x, float alpha, Var base, Var out) {
        if (needs(x)) inputGradient(p, out.grad, conv.weight.value(), alpha, x);
        if (trainable(conv.weight)) {
            GradSlot s = slot(conv.weight);
            be.convBackwardWeights(p, x.value, out.grad, s.tensor, alpha, s.accumulate);
        }
        if (base != null && needs(base)) passGradient(out, base);
    }

    private void inputGradient(ConvParams p, Tensor dy, Tensor w, float alpha, Var x) {
        GradientEpilogue then = lastContributionEpilogue(x);
        GradSlot s = slot(x);
        be.convBackwardData(p, dy, w, s.tensor, alpha, s.accumulate, then);
        if (then != null) x.finished = true;
    }

    /**
     * Batch norm's backward. Fused: its reductions come from the epilogue of the last contribution to {@code out}'s
     * gradient when that ran them, else from a pass of their own, and then one pass writes dx. Unfused: the
     * backend's whole operator (the same arithmetic in the same order).
     */
    private void batchNormBackward(Var out, Tensor xv, BatchNorm2d bn, Tensor mean, Tensor inv, boolean relu,
                                   Tensor dx, boolean accumulateDx, CrossRankSum ranks) {
        GradSlot dg = slot(bn.gamma), db = slot(bn.beta);
        if (dg.accumulate != db.accumulate) throw new IllegalStateException("gamma and beta gradients out of step");
        if (out.finish instanceof GradientEpilogue.BatchNormSums s) {
            if (!out.finished) be.finishGradient(out.grad, s);
            be.batchNormBackwardWithSums(xv, bn.gamma.value(), bn.beta.value(), mean, inv, relu, out.grad, s.sums(), dx,
                    accumulateDx, dg.tensor, db.tensor, dg.accumulate);
        } else {
            be.batchNormBackward(xv, bn.gamma.value(), bn.beta.value(), mean, inv, relu, out.grad, dx, accumulateDx,
                    dg.tensor, db.tensor, dg.accumulate, ranks);
        }
    }

    /** Asks the last contribution to {@code out}'s gradient for batch norm's backward reductions. */
    private void requestBatchNormSums(Var out, Tensor xv, BatchNorm2d bn, Tensor mean, Tensor inv, boolean relu) {
        if (!fuseGradients()) return;
        out.finish = new GradientEpilogue.BatchNormSums(xv, bn.gamma.value(), bn.beta.value(), mean, inv, relu,
                pool.acquire(Shape.of(2 * xv.c()), Layout.PLAIN));
    }

    /** {@code residual + act(BN(x))}, act = ReLU or identity, residual may be null. */
    @Override
    public Var batchNorm(BatchNorm2d bn, Var x, boolean relu, Var residual) {
        Tensor xv = x.value;
        Tensor y = newActivation(xv.n(), xv.c(), xv.h(), xv.w());
        Tensor rv = residual == null ? null : residual.value;
        if (!training) {
            be.batchNormEval(xv, bn.gamma.value(), bn.beta.value(), bn.runningMean.value(), bn.runningVar.value(),
                    BatchNorm2d.EPS, relu, rv, y);
            return new Var(y, false);
        }
        Tensor mean = pool.acquire(Shape.of(xv.c()), Layout.PLAIN), inv = pool.acquire(Shape.of(xv.c()), Layout.PLAIN);
        CrossRankSum ranks = batchNormRanks;
        be.batchNormTrain(xv, bn.gamma.value(), bn.beta.value(), bn.runningMean.value(), bn.runningVar.value(),
                BatchNorm2d.MOMENTUM, BatchNorm2d.EPS, mean, inv, relu, rv, y, ranks);
        Var out = output(y, x, residual);
        noteUse(bn.gamma, bn.beta);
        use(x, residual);
        if (ranks == null) requestBatchNormSums(out, xv, bn, mean, inv, relu);
        tape.add(() -> {
            if (!out.gradValid) return;
            GradSlot dx = needs(x) ? slot(x) : new GradSlot(pool.acquire(xv.shape(), xv.layout()), false);
            batchNormBackward(out, xv, bn, mean, inv, relu, dx.tensor, dx.accumulate, ranks);
            if (residual != null && needs(residual)) passGradient(out, residual);
        });
        return out;
    }

    /**
     * {@code residual + act(BN(base + alpha * conv(x)))}: {@link #convInto} then {@link #batchNorm} as one fused
     * operator ({@link Backend#convBatchNormTrain}: the statistics come from the convolution's epilogue). The
     * convolution's output is kept for BN's backward but is not a value of the graph.
     */
    public Var convBatchNorm(Conv2d conv, Var x, Var base, float alpha, BatchNorm2d bn, boolean relu, Var residual) {
        // synchronised batch norm sums its statistics over ranks: the unfused pair does that
        if (!training || !fuse || batchNormRanks != null) return batchNorm(bn, convInto(conv, x, base, alpha), relu, residual);
        Tensor xv = x.value;
        ConvParams p = conv.params(xv.n(), xv.h(), xv.w());
        Tensor t = newActivation(xv.n(), conv.out, p.oh(), p.ow()), y = newActivation(xv.n(), conv.out, p.oh(), p.ow());
        Tensor mean = pool.acquire(Shape.of(conv.out), Layout.PLAIN), inv = pool.acquire(Shape.of(conv.out), Layout.PLAIN);
        Tensor rv = residual == null ? null : residual.value;
        be.convBatchNormTrain(p, xv, conv.weight.value(), base == null ? null : base.value, alpha, t, bn.gamma.value(),
                bn.beta.value(), bn.runningMean.value(), bn.runningVar.value(), BatchNorm2d.MOMENTUM, BatchNorm2d.EPS,
                mean, inv, relu, rv, y);
        Var out = output(y, x, base, residual);
        use(x, base, residual);
        requestBatchNormSums(out, t, bn, mean, inv, relu);
        tape.add(() -> {
            if (!out.gradValid) return;
            Var tv = new Var(t, true); // the convolution's output, as an internal value of this closure
            tv.grad = pool.acquire(t.shape(), t.layout());
            tv.gradValid = true;
            batchNormBackward(out, t, bn, mean, inv, relu, tv.grad, false, null);
            // the residual first, as the unfused pair does (its batch norm's closure runs before the conv's): the
            // gradients then accumulate in the same order, so fused and unfused graphs agree bit for bit
            if (residual != null && needs(residual)) passGradient(out, residual);
            convGradients(p, conv, x, alpha, base, tv);
        });
        return out;
    }

    /** {@code a*x + b*y}, optionally through a ReLU. */
    @Override
    public Var axpby(float a, Var x, float b, Var y, boolean relu) {
        Tensor out = newActivation(x.value.n(), x.value.c(), x.value.h(), x.value.w());
        be.axpby(a, x.value, b, y == null ? null : y.value, relu, out);
        Var o = output(out, x, y);
        if (record()) {
            use(x, y);
            // relu(x): the last contribution to the output's gradient can apply the mask in its epilogue
            if (relu && a == 1f && !needs(y) && needs(x) && fuseGradients()) o.finish = new GradientEpilogue.ReluMask(out);
            tape.add(() -> {
                if (!o.gradValid) return;
                Tensor g = o.grad;
                boolean toX = needs(x), toY = y != null && needs(y);
                if (fuse && relu && a == 1f && toX && !toY && o.finished) {
                    passGradient(o, x); // already masked in place: hand the buffer on (or add it)
                    return;
                }
                if (fuse && relu && a == 1f && toX && !toY) {
                    // relu(x): the mask is applied on the way into x's gradient, one pass, no masked temporary
                    GradSlot s = slot(x);
                    be.reluBackward(out, g, s.tensor, s.accumulate);
                    return;
                }
                if (relu) {
                    Tensor masked = pool.acquire(g.shape(), g.layout());
                    be.reluBackward(out, g, masked, false);
                    g = masked;
                    o.grad = masked; // the masked gradient is what x and y receive, handed over below
                }
                if (toY) {
                    GradSlot s = slot(y);
                    be.scaleInto(g, b, s.tensor, s.accumulate);
                }
                if (toX) {
                    if (fuse && a == 1f) {
                        passGradient(o, x); // x + b*y: x's gradient is o's, handed over when it is the first
                    } else {
                        GradSlot s = slot(x);
                        be.scaleInto(g, a, s.tensor, s.accumulate);
                    }
                }
            });
        }
        return o;
    }

    @Override
    public Var add(Var x, Var y) { return axpby(1f, x, 1f, y, false); }

    @Override
    public Var sub(Var x, Var y) { return axpby(1f, x, -1f, y, false); }

    @Override
    public Var relu(Var x) { return axpby(1f, x, 0f, null, true); }

    /** Global average pooling to {@code [N, C, 1, 1]}. */
    @Override
    public Var globalAvgPool(Var x) {
        Tensor y = newActivation(x.value.n(), x.value.c(), 1, 1);
        be.globalAvgPool(x.value, y);
        Var o = output(y, x);
        if (record()) {
            use(x);
            tape.add(() -> {
                if (!o.gradValid || !needs(x)) return;
                GradSlot s = slot(x);
                be.globalAvgPoolBackward(o.grad, s.tensor, s.accumulate);
            });
        }
        return o;
    }

    /** {@code x W^T + b} on {@code [N, F, 1, 1]}, computed as a 1x1 convolution plus a bias. */
    @Override
    public Var linear(Linear lin, Var x) {
        Tensor xv = x.value;
        if (xv.c() * xv.h() * xv.w() != lin.in || xv.h() != 1) {
            throw new IllegalArgumentException("linear(" + lin.in + " -> " + lin.out + "): input is " + xv.shape()
                    + ", expected [N, " + lin.in + ", 1, 1]");
        }
        ConvParams p = ConvParams.of(xv.n(), lin.in, 1, 1, lin.out, 1, 1, 1);
        Tensor w4 = new Tensor(Shape.of(lin.out, lin.in, 1, 1), Layout.PLAIN, 1, lin.weight.value().storage());
        Tensor y = newActivation(xv.n(), lin.out, 1, 1);
        be.convForward(p, xv, w4, y, null, 1f);
        be.addBias(y, lin.bias.value());
        Var o = output(y, x);
        if (record()) {
            noteUse(lin.weight, lin.bias);
            use(x);
            tape.add(() -> {
                if (!o.gradValid) return;
                if (needs(x)) {
                    GradSlot s = slot(x);
                    be.convBackwardData(p, o.grad, w4, s.tensor, 1f, s.accumulate);
                }
                GradSlot sw = slot(lin.weight);
                Tensor gw4 = new Tensor(w4.shape(), Layout.PLAIN, 1, sw.tensor.storage());
                be.convBackwardWeights(p, xv, o.grad, gw4, 1f, sw.accumulate);
                GradSlot sb = slot(lin.bias);
                be.biasBackward(o.grad, sb.tensor, sb.accumulate);
            });
        }
        return o;
    }

    /** ResNet's option-A shortcut: subsample by {@code stride} and zero-pad the channels to {@code cout}. */
    @Override
    public Var shortcutA(Var x, int stride, int cout) {
        Tensor xv = x.value;
        Tensor y = newActivation(xv.n(), cout, (xv.h() - 1) / stride + 1, (xv.w() - 1) / stride + 1);
        be.shortcutA(xv, stride, y);
        Var o = output(y, x);
        if (record()) {
            use(x);
            tape.add(() -> {
                if (!o.gradValid || !needs(x)) return;
                GradSlot s = slot(x);
                be.shortcutABackward(o.grad, stride, s.tensor, s.accumulate);
            });
        }
        return o;
    }

    // ------------------------------------------------------------------ loss and backward

    /** Loss value and top-1 hits of a batch. */
    public record LossResult(double loss, int correct, float[] logits) { }

    /**
     * Mean softmax cross-entropy over the batch with optional label smoothing; in training mode the gradient of the
     * logits is seeded for {@link #backward()}. Computed on the host: logits are only N x classes floats.
     */
    public LossResult crossEntropy(Var logits, int[] labels, float smoothing) {
        return crossEntropy(logits, labels, smoothing, logits.value.n());
    }

    /**
     * {@link #crossEntropy(Var, int[], float)} as one shard of a larger batch: the gradient is that of the sum of
     * the losses divided by {@code gradientDenominator}, the size of the whole global batch, so that the gradients
     * of P ranks add up to the gradient of the mean loss over the global batch (the reported loss is still this
     * shard's mean).
     */
    public LossResult crossEntropy(Var logits, int[] labels, float smoothing, int gradientDenominator) {
        int n = logits.value.n(), k = logits.value.c();
        if (gradientDenominator < n) {
            throw new IllegalArgumentException("cross_entropy: the global batch (" + gradientDenominator
                    + ") is smaller than this shard (" + n + ")");
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("cross_entropy: " + labels.length + " labels for a batch of " + n);
        }
        float[] z = be.download(logits.value);
        float[] grad = new float[z.length];
        double total = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("cross_entropy: label " + labels[i] + " outside [0, " + k + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < k; j++) if (z[i * k + j] > max) { max = z[i * k + j]; arg = j; }
            if (arg == labels[i]) correct++;
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(z[i * k + j] - max);
            double logZ = Math.log(sum) + max;
            for (int j = 0; j < k; j++) {
                double target = (j == labels[i] ? 1 - smoothing : 0) + smoothing / k;
                double logp = z[i * k + j] - logZ;
                total -= target * logp;
                grad[i * k + j] = (float) ((Math.exp(logp) - target) / gradientDenominator);
            }
        }
        if (training) {
            logits.grad = pool.acquire(logits.value.shape(), logits.value.layout());
            be.upload(grad, logits.grad);
            logits.gradValid = true;
        }
        return new LossResult(total / n, correct, z);
    }

    /** Seeds the gradient of {@code v} with {@code seed} (NCHW floats), for tests and custom losses. */
    public void seedGradient(Var v, float[] seed) {
        v.grad = pool.acquire(v.value.shape(), v.value.layout());
        be.upload(seed, v.grad);
        v.gradValid = true;
    }

    /** Runs the tape backwards: parameter gradients are written or accumulated (see {@link Parameter}). */
    public void backward() {
        if (!training) throw new IllegalStateException("backward() in evaluation mode: nothing was recorded");
        Consumer<Parameter> ready = gradientReady;
        if (ready == null) {
            for (int i = tape.size() - 1; i >= 0; i--) tape.get(i).run();
        } else {
            List<List<Parameter>> readyAfter = new ArrayList<>(tape.size());
            for (int i = 0; i < tape.size(); i++) readyAfter.add(null);
            firstUse.forEach((p, i) -> {
                if (readyAfter.get(i) == null) readyAfter.set(i, new ArrayList<>(2));
                readyAfter.get(i).add(p);
            });
            for (int i = tape.size() - 1; i >= 0; i--) {
                tape.get(i).run();
                List<Parameter> done = readyAfter.get(i);
                if (done != null) for (Parameter p : done) ready.accept(p);
            }
        }
        tape.clear();
        firstUse.clear();
    }
}
