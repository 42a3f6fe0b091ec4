package dev.mgiad.engine.nn;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.tensor.Shape;

import java.util.SplittableRandom;

/** A convolution without bias: weight {@code [out, in/groups, k, k]}, padding (k-1)/2. */
public final class Conv2d extends Module {
    public final int in, out, k, stride, groups;
    public final Parameter weight;

    public Conv2d(Backend backend, SplittableRandom rng, int in, int out, int k, int stride, int groups, boolean unused) {
        super(backend);
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d(" + in + " -> " + out + ", groups=" + groups
                    + "): groups must divide both channel counts");
        }
        this.in = in; this.out = out; this.k = k; this.stride = stride; this.groups = groups;
        Shape s = Shape.of(out, in / groups, k, k);
        this.weight = param("weight", new Parameter(backend, s, Parameter.Kind.WEIGHT, unused,
                uniformFanIn(rng, s, in / groups * k * k)));
    }

    public Conv2d(Backend backend, SplittableRandom rng, int in, int out, int k, int stride, int groups) {
        this(backend, rng, in, out, k, stride, groups, false);
    }

    public ConvParams params(int n, int h, int w) { return ConvParams.of(n, in, h, w, out, k, stride, groups); }

    /** Multiply-adds for one image of h x w input pixels. */
    public long macs(int h, int w) { return params(1, h, w).macs(); }
}
