package dev.mgiad.engine.nn;

import dev.mgiad.engine.tensor.Shape;

/**
 * The operators a model's forward pass is written in. Each model writes its algorithm once, generic in the value
 * type {@code T}; the autograd {@link dev.mgiad.engine.autograd.Graph} implements them itself ({@code T = Var}, so a
 * model's call goes straight into the graph), and the models' module's {@code MacCounter} walks them on shapes only
 * ({@code T = Shape}), counting the multiply-adds of every convolution call as executed, so that the reported MACs
 * can never drift from the code that runs.
 *
 * <p>The operators mirror the Graph's, including its fused forms: {@link #convInto} is {@code base + alpha*conv(x)}
 * (MgNet's residual {@code f - A u} with alpha = -1), {@link #batchNorm} is {@code residual + act(BN(x))}
 * (the smoothing update {@code u + ReLU(BN(B r))}).
 */
public interface Ops<T> {

    /** {@code [N, C, H, W]} of a value. */
    Shape shape(T x);

    /** A zero value of the same shape (MgNet's initial feature u = 0). */
    T zerosLike(T x);

    /** {@code base + alpha * conv(x)}; {@code base} may be null. */
    T convInto(Conv2d conv, T x, T base, float alpha);

    /** {@code residual + act(BN(x))}, act = ReLU or identity; {@code residual} may be null. */
    T batchNorm(BatchNorm2d bn, T x, boolean relu, T residual);

    /** {@code a*x + b*y}, optionally through a ReLU; {@code y} may be null when b = 0. */
    T axpby(float a, T x, float b, T y, boolean relu);

    /** Global average pooling to {@code [N, C, 1, 1]}. */
    T globalAvgPool(T x);

    /** {@code x W^T + b} on {@code [N, F, 1, 1]}. */
    T linear(Linear fc, T x);

    /** ResNet's option-A shortcut: subsample by {@code stride}, zero-pad the channels to {@code cout}. */
    T shortcutA(T x, int stride, int cout);

    /**
     * {@code residual + act(BN(base + alpha * conv(x)))}: {@link #convInto} then {@link #batchNorm}, which an
     * implementation may fuse (the graph does: batch-norm statistics in the convolution's epilogue).
     */
    default T convBatchNorm(Conv2d conv, T x, T base, float alpha, BatchNorm2d bn, boolean relu, T residual) {
        return batchNorm(bn, convInto(conv, x, base, alpha), relu, residual);
    }

    /**
     * {@code ReLU(base + alpha * conv(x))}, MGiaD's residual {@code ReLU(f - A u)}: {@link #convInto} then
     * {@link #relu}, which an implementation may fuse (the graph does: the ReLU in the convolution's epilogue).
     */
    default T convIntoRelu(Conv2d conv, T x, T base, float alpha) { return relu(convInto(conv, x, base, alpha)); }

    default T conv(Conv2d conv, T x) { return convInto(conv, x, null, 1f); }

    default T add(T x, T y) { return axpby(1f, x, 1f, y, false); }

    default T sub(T x, T y) { return axpby(1f, x, -1f, y, false); }

    default T relu(T x) { return axpby(1f, x, 0f, null, true); }
}
