package dev.mgiad.engine.nn;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.tensor.Shape;

/**
 * Batch norm with affine gamma/beta and running statistics, PyTorch defaults (eps 1e-5, momentum 0.1). The tensors
 * are registered under PyTorch's {@code BatchNorm2d} names ({@code weight} = gamma, {@code bias} = beta,
 * {@code running_mean}, {@code running_var}), so a checkpoint loads into a PyTorch model of the same tree with
 * {@code load_state_dict(strict=True)}. PyTorch's {@code num_batches_tracked} is not kept: it only matters for
 * {@code momentum=None}, and PyTorch fills it in when a plain state dict lacks it.
 */
public final class BatchNorm2d extends Module {
    public static final float EPS = 1e-5f, MOMENTUM = 0.1f;
    public final int channels;
    public final Parameter gamma, beta;
    public final StateBuffer runningMean, runningVar;

    public BatchNorm2d(Backend backend, int channels) {
        super(backend);
        this.channels = channels;
        Shape s = Shape.of(channels);
        gamma = param("weight", new Parameter(backend, s, Parameter.Kind.NORM_SCALE, false, constant(s, 1f)));
        beta = param("bias", new Parameter(backend, s, Parameter.Kind.NORM_SHIFT, false, constant(s, 0f)));
        runningMean = buffer("running_mean", s, 0f);
        runningVar = buffer("running_var", s, 1f);
    }
}
