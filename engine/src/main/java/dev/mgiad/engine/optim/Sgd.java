package dev.mgiad.engine.optim;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Parameter;

import java.util.List;

/**
 * SGD with momentum and weight decay, PyTorch's {@code torch.optim.SGD} semantics (dampening 0):
 * {@code g = grad + wd*p; v = m*v + g; p -= lr * (nesterov ? g + m*v : v)}. Weight decay applies to every
 * parameter, as {@code SGD(model.parameters(), weight_decay=...)} does in the paper's code; parameters flagged
 * unused (the dead level-1 pooling pair) are never touched.
 */
public final class Sgd {
    private final Backend backend;
    private final List<Parameter> params;
    private final float momentum, weightDecay;
    private final boolean nesterov;
    private float lr;

    public Sgd(Backend backend, List<Parameter> params, float lr, float momentum, float weightDecay, boolean nesterov) {
        if (!(lr >= 0) || !(momentum >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("SGD: lr, momentum and weight decay must be >= 0 (lr=" + lr
                    + ", momentum=" + momentum + ", wd=" + weightDecay + ")");
        }
        if (nesterov && momentum == 0) throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0");
        this.backend = backend;
        this.params = List.copyOf(params);
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    public float lr() { return lr; }
    public void setLr(float lr) { this.lr = lr; }

    public void zeroGrad() { for (Parameter p : params) p.zeroGrad(); }

    public void step() {
        for (Parameter p : params) {
            if (p.unused()) continue;
            backend.sgdStep(p.value(), p.gradOrNull(), p.velocity(backend), lr, momentum, weightDecay, nesterov);
        }
    }
}
