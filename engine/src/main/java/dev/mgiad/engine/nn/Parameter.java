package dev.mgiad.engine.nn;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/**
 * A learnable tensor with its gradient. The gradient follows the write-or-accumulate rule of the backends:
 * {@link #gradValid()} false means "zero"; the first use in a backward pass writes it, every further use adds to it.
 * That is how one weight shared by several call sites of the same forward pass (MgNet's A and B) receives the sum
 * of the gradients of all its uses.
 */
public final class Parameter {
    /** What a parameter is, for initialisation, reports and optimizer options. */
    public enum Kind { WEIGHT, BIAS, NORM_SCALE, NORM_SHIFT }

    private final Shape shape;
    private final Kind kind;
    private final boolean unused;
    private Tensor value;
    private Tensor grad;
    private boolean gradValid;
    private Tensor velocity;

    /**
     * @param unused allocated and counted but never applied (the spec's dead level-1 pooling pair); the optimizer
     *               leaves it untouched so that it can never change behaviour
     */
    public Parameter(Backend backend, Shape shape, Kind kind, boolean unused, float[] init) {
        this.shape = shape;
        this.kind = kind;
        this.unused = unused;
        this.value = backend.allocate(shape, Layout.PLAIN);
        backend.upload(init, value);
    }

    public Shape shape() { return shape; }
    public Kind kind() { return kind; }
    public boolean unused() { return unused; }
    public Tensor value() { return value; }
    public long elements() { return shape.elements(); }

    /** The gradient tensor, allocated on first use. */
    public Tensor grad(Backend backend) {
        if (grad == null) grad = backend.allocate(shape, Layout.PLAIN);
        return grad;
    }

    public Tensor gradOrNull() { return gradValid ? grad : null; }
    public boolean gradValid() { return gradValid; }
    public void markGradValid() { gradValid = true; }
    public void zeroGrad() { gradValid = false; }

    /** Optimizer state (momentum buffer), allocated zero on first use. */
    public Tensor velocity(Backend backend) {
        if (velocity == null) velocity = backend.allocate(shape, Layout.PLAIN);
        return velocity;
    }

    public Tensor velocityOrNull() { return velocity; }
}
