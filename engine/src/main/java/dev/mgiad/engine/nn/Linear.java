package dev.mgiad.engine.nn;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.tensor.Shape;

import java.util.SplittableRandom;

/** A fully connected layer with bias, weight {@code [out, in]} as PyTorch. */
public final class Linear extends Module {
    public final int in, out;
    public final Parameter weight, bias;

    public Linear(Backend backend, SplittableRandom rng, int in, int out) {
        super(backend);
        this.in = in; this.out = out;
        Shape ws = Shape.of(out, in), bs = Shape.of(out);
        weight = param("weight", new Parameter(backend, ws, Parameter.Kind.WEIGHT, false, uniformFanIn(rng, ws, in)));
        bias = param("bias", new Parameter(backend, bs, Parameter.Kind.BIAS, false, uniformFanIn(rng, bs, in)));
    }
}
