package dev.mgiad.engine.autograd;

import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/** An activation recorded by a {@link Graph}: its value and, after backward, its gradient. */
public final class Var {
    final Tensor value;
    final boolean requiresGrad;
    Tensor grad;
    boolean gradValid;
    /** Recorded operators that may add to this gradient, and how many have added so far (see Graph#lastContribution). */
    int uses, contributions;
    /** Work the last contribution to this gradient may do in its epilogue (null: none), and whether it did. */
    dev.mgiad.engine.backend.GradientEpilogue finish;
    boolean finished;

    Var(Tensor value, boolean requiresGrad) {
        this.value = value;
        this.requiresGrad = requiresGrad;
    }

    public Tensor value() { return value; }
    public Shape shape() { return value.shape(); }

    /** The gradient after {@link Graph#backward}, or null when nothing depended on this value. */
    public Tensor grad() { return gradValid ? grad : null; }
}
