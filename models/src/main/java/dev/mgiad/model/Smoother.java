package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Ops;

import java.util.SplittableRandom;

/**
 * The MgNet smoothing step, shared by MgNet's resolution levels and MGiaD's channel levels, and the depthwise
 * pooling that transfers between resolution levels; the transfer itself is {@link Multigrid#fas}.
 */
public final class Smoother {
    private Smoother() { }

    /**
     * One smoothing step (spec 5 and 6.4; Poly-MgNet's {@code smoothing_step}):
     * <pre>
     *   r = ReLU(bn_r(f - A u))
     *   u = u + ReLU(bn_u(B r))
     * </pre>
     * Two fused operators: {@code f - A u} is one convolution into f whose epilogue gathers bn_r's statistics, and
     * the update is the convolution B whose batch norm adds u as its residual.
     */
    public static <T> T step(Ops<T> ops, Conv2d a, Conv2d b, BatchNorm2d bnR, BatchNorm2d bnU, T f, T u) {
        T r = ops.convBatchNorm(a, u, f, -1f, bnR, true, null);
        return ops.convBatchNorm(b, r, null, 1f, bnU, true, u);
    }

    /**
     * The residual handed to the restriction: {@code ReLU(f - A u)}, without BN; one fused operator (the ReLU in the
     * convolution's epilogue).
     */
    public static <T> T residual(Ops<T> ops, Conv2d a, T f, T u) {
        return ops.convIntoRelu(a, u, f, -1f);
    }

    /**
     * "Learnable depthwise pooling", Pi_l and R_l (spec 4): 3x3, stride 2, groups = c_{l-1}, i.e. depthwise with
     * channel multiplier c_l / c_{l-1}; weight {@code [c_l, 1, 3, 3]}. With {@code unused} it is the level-1 pair
     * that exists in the authors' code but is never applied.
     */
    public static Conv2d depthwisePool(Backend backend, SplittableRandom rng, int cPrev, int c, boolean unused) {
        return new Conv2d(backend, rng, cPrev, c, 3, 2, cPrev, unused);
    }
}
