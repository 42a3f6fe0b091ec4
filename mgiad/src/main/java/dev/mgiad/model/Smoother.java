package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;

import java.util.SplittableRandom;

/** The MgNet smoothing step and the transfers between resolution levels, shared by MgNet and MGiaD. */
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

    /** The residual handed to the restriction: {@code ReLU(f - A u)}, without BN. */
    public static <T> T residual(Ops<T> ops, Conv2d a, T f, T u) {
        return ops.relu(ops.convInto(a, u, f, -1f));
    }

    /**
     * FAS on entering a coarser level: {@code u = Pi(u)}, {@code f = R(f_res) + A(Pi u)}.
     *
     * @return {@code {u, f}} of the coarse level
     */
    public static <T> Pair<T> fas(Ops<T> ops, Conv2d pi, Conv2d r, Conv2d a, T fRes, T u) {
        T uc = ops.conv(pi, u);
        T fc = ops.convInto(a, uc, ops.conv(r, fRes), 1f);
        return new Pair<>(uc, fc);
    }

    /** A feature and its data on one level. */
    public record Pair<T>(T u, T f) { }

    /**
     * "Learnable depthwise pooling", Pi_l and R_l (spec 4): 3x3, stride 2, groups = c_{l-1}, i.e. depthwise with
     * channel multiplier c_l / c_{l-1}; weight {@code [c_l, 1, 3, 3]}. With {@code unused} it is the level-1 pair
     * that exists in the authors' code but is never applied.
     */
    public static Conv2d depthwisePool(Backend backend, SplittableRandom rng, int cPrev, int c, boolean unused) {
        return new Conv2d(backend, rng, cPrev, c, 3, 2, cPrev, unused);
    }
}
