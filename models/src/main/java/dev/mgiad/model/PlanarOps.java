package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.Planar;
import dev.mgiad.engine.cpu.PlanarKernels;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@link Ops} for inference on small batches: evaluation mode (batch norm with running statistics), activations
 * channel-major with the SIMD lanes over pixels ({@link PlanarKernels}), so one image costs about 1/16 of a
 * padded 16-image batch of the training layout.
 *
 * <p>The weights are copied from the model's backend once, at construction; later changes to the model are not
 * seen. The object holds no other state, so it may be used by several threads at once.
 */
public final class PlanarOps implements Ops<Planar> {
    private final PlanarKernels kernels;
    private final Map<Tensor, float[]> values = new IdentityHashMap<>();

    /** Snapshots every parameter and buffer of {@code root} (living on {@code backend}). */
    public PlanarOps(Module root, Backend backend, PlanarKernels kernels) {
        this.kernels = kernels;
        root.namedParameters().values().forEach(p -> values.put(p.value(), backend.download(p.value())));
        root.namedBuffers().values().forEach(b -> values.put(b.value(), backend.download(b.value())));
    }

    private float[] of(Tensor t) {
        float[] v = values.get(t);
        if (v == null) throw new IllegalStateException("a module outside the model was called");
        return v;
    }

    @Override public Shape shape(Planar x) { return Shape.of(x.n(), x.c(), x.h(), x.w()); }

    @Override public Planar zerosLike(Planar x) { return Planar.zeros(x.n(), x.c(), x.h(), x.w()); }

    @Override
    public Planar convInto(Conv2d conv, Planar x, Planar base, float alpha) {
        return kernels.conv(conv.params(x.n(), x.h(), x.w()), x, of(conv.weight.value()), base, alpha);
    }

    @Override
    public Planar batchNorm(BatchNorm2d bn, Planar x, boolean relu, Planar residual) {
        return kernels.batchNorm(x, of(bn.gamma.value()), of(bn.beta.value()), of(bn.runningMean.value()),
                of(bn.runningVar.value()), BatchNorm2d.EPS, relu, residual);
    }

    @Override public Planar axpby(float a, Planar x, float b, Planar y, boolean relu) { return kernels.axpby(a, x, b, y, relu); }

    @Override public Planar globalAvgPool(Planar x) { return kernels.globalAvgPool(x); }

    @Override public Planar linear(Linear fc, Planar x) { return kernels.linear(x, of(fc.weight.value()), of(fc.bias.value())); }

    @Override public Planar shortcutA(Planar x, int stride, int cout) { return kernels.shortcutA(x, stride, cout); }

    /** Logits {@code [n][classes]} (row-major) of {@code n} images given in NCHW order. */
    public float[] logits(Model model, float[] nchw, int n, int c, int h, int w) {
        return model.forward(this, Planar.fromNchw(nchw, n, c, h, w)).toNchw();
    }
}
