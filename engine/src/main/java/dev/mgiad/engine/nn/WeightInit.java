package dev.mgiad.engine.nn;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How convolution weights start. Modules are built with {@link #UNIFORM} (PyTorch's layer default); {@link #HE}
 * redraws every convolution weight afterwards, as torchvision's ResNets and He et al. do.
 */
public enum WeightInit {
    /** PyTorch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in/groups * k * k. What the modules draw. */
    UNIFORM("uniform"),
    /**
     * {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")}: N(0, 2 / fan_out) with fan_out = out * k * k
     * (PyTorch ignores groups here, and so do we, to stay comparable). Its weights are about sqrt(6) times larger
     * than UNIFORM's for a dense 3x3 layer, which keeps activations at unit scale through ReLUs from the first
     * step; with batch norm after every convolution that mostly matters for how fast the first epochs go.
     */
    HE("he");

    public final String cliName;

    WeightInit(String cliName) { this.cliName = cliName; }

    public static WeightInit fromCliName(String s) {
        for (WeightInit w : values()) if (w.cliName.equals(s.toLowerCase(Locale.ROOT))) return w;
        throw new IllegalArgumentException("unknown weight init '" + s + "' (expected uniform or he)");
    }

    /**
     * Redraws the convolution weights (rank-4 WEIGHT parameters) of {@code root} in registration order. Linear
     * layers, biases and batch-norm parameters keep their values (torchvision leaves the classifier at its default).
     * {@link #UNIFORM} leaves everything as built, so a model's default weights do not depend on this call.
     */
    public void apply(Module root, SplittableRandom rng) {
        if (this == UNIFORM) return;
        for (Parameter p : root.namedParameters().values()) {
            if (p.kind() != Parameter.Kind.WEIGHT || p.shape().rank() != 4) continue;
            int fanOut = p.shape().dim(0) * p.shape().dim(2) * p.shape().dim(3);
            double std = Math.sqrt(2.0 / fanOut);
            float[] w = new float[(int) p.elements()];
            for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * std);
            root.backend().upload(w, p.value());
        }
    }
}
