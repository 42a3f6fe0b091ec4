package dev.mgiad.engine.nn;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/** A non-learnable tensor a model keeps between steps (batch-norm running statistics); saved in checkpoints. */
public final class StateBuffer {
    private final Tensor value;

    public StateBuffer(Backend backend, Shape shape, float fill) {
        this.value = backend.allocate(shape, Layout.PLAIN);
        if (fill != 0f) {
            float[] a = new float[(int) shape.elements()];
            java.util.Arrays.fill(a, fill);
            backend.upload(a, value);
        }
    }

    public Tensor value() { return value; }
}
