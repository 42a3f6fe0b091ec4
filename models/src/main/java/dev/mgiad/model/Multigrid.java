package dev.mgiad.model;

import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Ops;

import java.util.List;
import java.util.function.Supplier;

/**
 * The multigrid step of the paper, written once and run in both dimensions: over resolution levels (MgNet and
 * MGiaD, Algorithms 1 and 3) and over channel levels inside one resolution level (MGiaD's SiC, Algorithm 2).
 * A level of either hierarchy holds a feature u and its data f; going one level coarser is the FAS transfer
 * {@link #fas}; a V-cycle smooths, hands its residual to the coarser level, and continues there.
 */
public final class Multigrid {
    private Multigrid() { }

    /** A feature u and its data f on one level. */
    public record Pair<T>(T u, T f) { }

    /**
     * FAS on entering a coarser level (spec 5 and 6.4), the same for resolution and channel levels:
     * <pre>
     *   u_c = Pi(u)
     *   f_c = R(f_res) + A_c(u_c)        f_res = ReLU(f - A u), the fine level's residual
     * </pre>
     * {@code pi}, {@code r} map the fine level to the coarse one (strided depthwise convolutions between resolution
     * levels, grouped 1x1 convolutions between channel levels), {@code aCoarse} is the coarse level's operator.
     * The residual comes as a supplier because the two cycles evaluate it at different moments, the resolution cycle
     * at the end of the fine level (before Pi), the channel cycle after Pi: the order of the operations fixes the
     * order in which gradients are summed, and keeping it keeps every result bit for bit what it was.
     */
    public static <T> Pair<T> fas(Ops<T> ops, Conv2d pi, Conv2d r, Conv2d aCoarse, T u, Supplier<T> residual) {
        T uc = ops.conv(pi, u);
        T fc = ops.convInto(aCoarse, uc, ops.conv(r, residual.get()), 1f);
        return new Pair<>(uc, fc);
    }

    /** One resolution level as the resolution cycle sees it; MgNet and MGiaD differ only in {@link #smooth}. */
    public interface ResolutionLevel {
        /** Pi_l and R_l, the transfers from the finer resolution level. */
        Conv2d pi();

        Conv2d r();

        /** A_l as evaluated by the FAS transfer onto this level. */
        Conv2d entryA();

        /** A_l as evaluated by the residual this level hands to the next. */
        Conv2d exitA();

        /** The smoother of the level: MgNet's nu smoothing steps, or MGiaD's in-channel V-cycle. */
        <T> T smooth(Ops<T> ops, T f, T u);
    }

    /**
     * The resolution cycle of MgNet and MGiaD (the downward half of a V-cycle, as the paper's networks run it):
     * <pre>
     * u = 0
     * for l = 1..L:
     *     if l > 1:  (u, f) = FAS(level l-1 -> l)
     *     u = smooth_l(f, u)
     *     if l &lt; L:  f_res = ReLU(f - A_l u)
     * </pre>
     *
     * @return the feature of the coarsest level
     */
    public static <T> T resolutionCycle(Ops<T> ops, List<? extends ResolutionLevel> levels, T f) {
        T u = ops.zerosLike(f);
        T fRes = null;
        for (int l = 0; l < levels.size(); l++) {
            ResolutionLevel lv = levels.get(l);
            if (l > 0) {
                T res = fRes;
                Pair<T> coarse = fas(ops, lv.pi(), lv.r(), lv.entryA(), u, () -> res);
                u = coarse.u();
                f = coarse.f();
            }
            u = lv.smooth(ops, f, u);
            if (l + 1 < levels.size()) fRes = Smoother.residual(ops, lv.exitA(), f, u);
        }
        return u;
    }
}
