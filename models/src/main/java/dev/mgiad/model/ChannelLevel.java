package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.SplittableRandom;

/**
 * Channel level kappa of an MGiaD resolution level (spec 6.3), width c:
 * <ul>
 *   <li>{@code A}, {@code B}: conv3x3(c -> c), grouped with group size g_s, or dense on the coarsest channel level;
 *       each shared by all eta_pre + eta_post smoothing steps and by the FAS evaluations;</li>
 *   <li>{@code bn_r.s}, {@code bn_u.s}: a BN pair per smoothing step s (pre steps first, then post);</li>
 *   <li>on non-coarsest levels, the in-channel transfers, each coarse channel j tied to fine channels 2j, 2j+1:
 *       {@code R_hat} and {@code Pi_hat} conv1x1(c -> c/2, groups c/2), {@code P_hat} conv1x1(c/2 -> c, groups c/2).</li>
 * </ul>
 */
public final class ChannelLevel extends Module {
    public final int channels;
    public final boolean coarsest;
    public final Conv2d a, b;
    public final ModuleList<BatchNorm2d> bnR, bnU;
    /** Null on the coarsest channel level. */
    public final Conv2d rHat, piHat, pHat;

    public ChannelLevel(Backend backend, SplittableRandom rng, int c, boolean coarsest, int gs, int steps) {
        super(backend);
        this.channels = c;
        this.coarsest = coarsest;
        int groups = coarsest ? 1 : c / gs;
        a = child("A", new Conv2d(backend, rng, c, c, 3, 1, groups));
        b = child("B", new Conv2d(backend, rng, c, c, 3, 1, groups));
        bnR = child("bn_r", new ModuleList<>(backend, 0));
        bnU = child("bn_u", new ModuleList<>(backend, 0));
        for (int s = 0; s < steps; s++) {
            bnR.add(new BatchNorm2d(backend, c));
            bnU.add(new BatchNorm2d(backend, c));
        }
        if (coarsest) {
            rHat = piHat = pHat = null;
        } else {
            rHat = child("R_hat", new Conv2d(backend, rng, c, c / 2, 1, 1, c / 2));
            piHat = child("Pi_hat", new Conv2d(backend, rng, c, c / 2, 1, 1, c / 2));
            pHat = child("P_hat", new Conv2d(backend, rng, c / 2, c, 1, 1, c / 2));
        }
    }

    /** Smoothing step s with this level's shared A and B and BN pair s. */
    public <T> T smooth(Ops<T> ops, int s, T f, T u) {
        return Smoother.step(ops, a, b, bnR.get(s), bnU.get(s), f, u);
    }
}
