package dev.mgiad.engine.backend;

import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/**
 * The operator set every backend implements, forward and backward, on tensors that live in the backend's memory.
 * The autograd layer ({@code dev.mgiad.engine.autograd}) and the models call only this interface, so a model runs
 * unchanged on the CPU or on OpenCL.
 *
 * <p>Conventions (as in llm.c): an output is written ({@code =}); a gradient is written when {@code accumulate} is
 * false and added ({@code +=}) when it is true, so that a tensor used at several call sites, a shared weight or an
 * activation read by two operators, receives the sum of all its gradients without a zero-fill pass.
 * Activations are {@link Layout#BATCH_BLOCKED} with this backend's {@link #batchBlock()}; parameters are
 * {@link Layout#PLAIN}.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** Batch block B of activations: N is stored as ceil(N/B) blocks of B images. */
    int batchBlock();

    /** A new zero-filled tensor. */
    Tensor allocate(Shape shape, Layout layout);

    void zero(Tensor t);

    void copy(Tensor src, Tensor dst);

    /** Writes host data in plain order (NCHW for activations) into {@code dst}. */
    void upload(float[] src, Tensor dst);

    /** Reads a tensor back into plain order (NCHW for activations), without the batch padding. */
    float[] download(Tensor src);

    // ---------------------------------------------------------------- convolution

    /** {@code y = base + alpha * conv(x, w)}; with {@code base == null}, {@code y = alpha * conv(x, w)}. */
    void convForward(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha);

    /**
     * {@code y = relu(base + alpha * conv(x, w))}: MGiaD's residual {@code ReLU(f - A u)} in one pass. The default
     * runs the ReLU as a pass of its own; the CPU backend clamps each row in the convolution's epilogue.
     */
    default void convForwardRelu(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha) {
        convForward(p, x, w, y, base, alpha);
        axpby(1f, y, 0f, null, true, y);
    }

    /** {@code dx (+)= alpha * conv^T(dy, w)}, the gradient of the input. */
    void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate);

    /** {@code dw (+)= alpha * d(conv)/dw}, the gradient of the weight, summed over the batch. */
    void convBackwardWeights(ConvParams p, Tensor x, Tensor dy, Tensor dw, float alpha, boolean accumulate);

    // ---------------------------------------------------------------- batch norm (per channel over N, H, W)

    /**
     * Training mode: normalises with the batch statistics, saves mean and 1/sqrt(var+eps) for the backward pass,
     * updates the running statistics (unbiased variance, as PyTorch), and writes
     * {@code y = residual + act(gamma * xhat + beta)} where act is ReLU when {@code relu}, else identity, and
     * {@code residual} may be null.
     */
    void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                        float momentum, float eps, Tensor saveMean, Tensor saveInvStd,
                        boolean relu, Tensor residual, Tensor y);

    /**
     * A convolution and the training-mode batch norm of its output, the pair of every smoothing step and ResNet
     * block: {@code t = base + alpha * conv(x, w)} (kept: batch norm's backward reads it), then
     * {@code y = residual + act(BN(t))} exactly as {@link #batchNormTrain}. The default runs the two operators; a
     * backend may gather the statistics while the convolution's output is still in cache (the CPU backend does, in
     * the convolution's epilogue, and then reads t once instead of three times).
     */
    default void convBatchNormTrain(ConvParams p, Tensor x, Tensor w, Tensor base, float alpha, Tensor t,
                                    Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float momentum,
                                    float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Tensor residual,
                                    Tensor y) {
        convForward(p, x, w, t, base, alpha);
        batchNormTrain(t, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, residual, y);
    }

    /** Evaluation mode: normalises with the running statistics; same output formula as training mode. */
    void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
                       boolean relu, Tensor residual, Tensor y);

    /**
     * Backward of {@link #batchNormTrain} (the residual's gradient is {@code dy} itself and is left to the caller):
     * {@code dx (+)= ...}, {@code dgamma (+)= ...}, {@code dbeta (+)= ...}.
     */
    void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                           Tensor dy, Tensor dx, boolean accumulateDx,
                           Tensor dgamma, Tensor dbeta, boolean accumulateParams);

    /**
     * {@link #batchNormTrain} with the statistics of the whole global batch of a data-parallel run: per-channel sums
     * and squared deviations are summed over ranks by {@code ranks} (two sums per call), so every rank normalises
     * with what one process would compute on the concatenated shards (synchronised batch norm, {@code --sync-bn}).
     * {@code ranks == null} is the local {@link #batchNormTrain}.
     */
    default void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                float momentum, float eps, Tensor saveMean, Tensor saveInvStd,
                                boolean relu, Tensor residual, Tensor y, CrossRankSum ranks) {
        if (ranks != null) throw new UnsupportedOperationException(name() + " has no synchronised batch norm (--sync-bn); use --device cpu");
        batchNormTrain(x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, residual, y);
    }

    /**
     * {@link #batchNormBackward} of a synchronised batch norm: the two per-channel reductions of {@code dx} are summed
     * over ranks; {@code dgamma} and {@code dbeta} stay this rank's share (the gradient all-reduce sums them).
     */
    default void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                   Tensor dy, Tensor dx, boolean accumulateDx,
                                   Tensor dgamma, Tensor dbeta, boolean accumulateParams, CrossRankSum ranks) {
        if (ranks != null) throw new UnsupportedOperationException(name() + " has no synchronised batch norm (--sync-bn); use --device cpu");
        batchNormBackward(x, gamma, beta, saveMean, saveInvStd, relu, dy, dx, accumulateDx, dgamma, dbeta, accumulateParams);
    }

    // ---------------------------------------------------------------- fused gradient passes (optional)

    /**
     * Whether this backend implements the split batch-norm backward ({@link #batchNormBackwardSums} and
     * {@link #batchNormBackwardWithSums}); the graph fuses gradient passes ({@link GradientEpilogue}) only then.
     */
    default boolean fusesGradientPasses() { return false; }

    /**
     * The two per-channel reductions of {@link #batchNormBackward}, {@code sums[c] = sum(dz)} and
     * {@code sums[C + c] = sum(dz * xhat)} over N, H, W, where {@code dz} is {@code dy} masked by the ReLU when
     * {@code relu} ({@code gamma * xhat + beta > 0}); {@code sums} is a plain vector of 2C floats. They are dbeta and
     * dgamma, and the two means dx needs.
     */
    default void batchNormBackwardSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                       boolean relu, Tensor dy, Tensor sums) {
        throw new UnsupportedOperationException(name() + " has no split batch-norm backward");
    }

    /**
     * {@link #batchNormBackward} with its reductions already in {@code sums} (from {@link #batchNormBackwardSums} or
     * from the epilogue of the pass that wrote dy): one pass that reads x and dy and writes dx.
     */
    default void batchNormBackwardWithSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                           boolean relu, Tensor dy, Tensor sums, Tensor dx, boolean accumulateDx,
                                           Tensor dgamma, Tensor dbeta, boolean accumulateParams) {
        throw new UnsupportedOperationException(name() + " has no split batch-norm backward");
    }

    /**
     * {@link #convBackwardData} that also runs {@code then} on dx, which the caller guarantees is the last
     * contribution to that gradient ({@code then == null}: none). The default runs the two one after the other; the
     * CPU backend runs {@code then} in the convolution's epilogue, row by row while the rows are in L1.
     */
    default void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate,
                                  GradientEpilogue then) {
        convBackwardData(p, dy, w, dx, alpha, accumulate);
        finishGradient(dx, then);
    }

    /** Runs {@code then} on the finished gradient {@code g} as a pass of its own ({@code null}: nothing). */
    default void finishGradient(Tensor g, GradientEpilogue then) {
        switch (then) {
            case null -> { }
            case GradientEpilogue.ReluMask m -> reluBackward(m.y(), g, g, false);
            case GradientEpilogue.BatchNormSums s ->
                    batchNormBackwardSums(s.x(), s.gamma(), s.beta(), s.saveMean(), s.saveInvStd(), s.relu(), g, s.sums());
        }
    }

    // ---------------------------------------------------------------- elementwise

    /** {@code out = a*x + b*y} ({@code y} may be null when b is 0); {@code relu} clamps the result at 0. */
    void axpby(float a, Tensor x, float b, Tensor y, boolean relu, Tensor out);

    /** {@code dx (+)= dy * (y > 0)}: the backward of a ReLU whose output was {@code y}. */
    void reluBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate);

    /** {@code dst (+)= alpha * src}, same shape: an {@link #axpby} with {@code b} = 1 (accumulate) or no {@code y}. */
    default void scaleInto(Tensor src, float alpha, Tensor dst, boolean accumulate) {
        BackendChecks.sameShape("scale_into", src, dst);
        if (accumulate) axpby(alpha, src, 1f, dst, false, dst);
        else axpby(alpha, src, 0f, null, false, dst);
    }

    // ---------------------------------------------------------------- pooling, bias, shortcut

    /** {@code y[n,c] = mean over (h,w) of x[n,c,h,w]}; y is {@code [N, C, 1, 1]}. */
    void globalAvgPool(Tensor x, Tensor y);

    void globalAvgPoolBackward(Tensor dy, Tensor dx, boolean accumulate);

    /** {@code y[n,c,h,w] += b[c]}. */
    void addBias(Tensor y, Tensor bias);

    /** {@code db (+)= sum over n,h,w of dy[n,c,h,w]}. */
    void biasBackward(Tensor dy, Tensor db, boolean accumulate);

    /**
     * ResNet option-A shortcut: {@code y = x[:, :, ::s, ::s]} zero-padded in the channel dimension by
     * {@code (C_out - C_in)/2} on each side.
     */
    void shortcutA(Tensor x, int stride, Tensor y);

    void shortcutABackward(Tensor dy, int stride, Tensor dx, boolean accumulate);

    // ---------------------------------------------------------------- optimizer and reductions

    /**
     * One SGD step for one parameter, PyTorch semantics: {@code g = grad + wd*p; v = momentum*v + g;
     * p -= lr * (nesterov ? g + momentum*v : v)}. {@code grad == null} means a zero gradient.
     */
    void sgdStep(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay,
                 boolean nesterov);

    /** Sum of squares of all (real, unpadded) elements, for norms and finiteness checks. */
    double sumOfSquares(Tensor t);

    /** Waits until all queued work is done (a no-op on the CPU). */
    default void sync() { }

    @Override
    default void close() { }
}
