package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.SplittableRandom;

/**
 * One resolution level of MGiaD: the transfers Pi_l, R_l from the finer level (the dead pair on level 1) and the
 * channel levels kappa = 1..K_l of the in-channel V-cycle SiC (Algorithm 2). Names: {@code Pi}, {@code R} (or
 * {@code dead_pi}, {@code dead_r}), {@code channel.kappa.*}.
 */
public final class MgiadLevel extends Module implements Multigrid.ResolutionLevel {
    public final int level;
    public final Conv2d pi, r;
    public final ModuleList<ChannelLevel> channel;
    private final int pre, post;
    private final ModelConfig.Correction correction;

    public MgiadLevel(Backend backend, SplittableRandom rng, int level, int cPrev, int[] hierarchy, ModelConfig config) {
        super(backend);
        this.level = level;
        this.pre = config.pre();
        this.post = config.post();
        this.correction = config.correction();
        boolean dead = level == 1;
        int c = hierarchy[0];
        pi = child(dead ? "dead_pi" : "Pi", Smoother.depthwisePool(backend, rng, cPrev, c, dead));
        r = child(dead ? "dead_r" : "R", Smoother.depthwisePool(backend, rng, cPrev, c, dead));
        channel = child("channel", new ModuleList<>(backend, 1));
        for (int k = 0; k < hierarchy.length; k++) {
            channel.add(new ChannelLevel(backend, rng, hierarchy[k], k == hierarchy.length - 1, config.gs(), pre + post));
        }
    }

    /** K_l, the number of channel levels. */
    public int depth() { return channel.size(); }

    /** A_l of Algorithm 3: the operator of the finest channel level. */
    public Conv2d a() { return channel.get(1).a; }

    @Override public Conv2d pi() { return pi; }

    @Override public Conv2d r() { return r; }

    @Override public Conv2d entryA() { return a(); }

    @Override public Conv2d exitA() { return a(); }

    /** The level's smoother is SiC from the finest channel level. */
    @Override public <T> T smooth(Ops<T> ops, T f, T u) { return sic(ops, f, u, 1); }

    /**
     * SiC, the in-channel V-cycle from channel level kappa (Algorithm 2 as executed, spec 6.4):
     * <pre>
     * for s &lt; eta_pre:  u = smooth(kappa, s, f, u)
     * if kappa &lt; K:
     *     (u_c, f_c) = FAS(Pi_hat, R_hat, A_{kappa+1}; ReLU(f - A u))   the step between resolution levels
     *     u_hat = SiC(f_c, u_c, kappa+1)
     *     u = u + P_hat(u_hat)            literal (Alg. 2 line 7), or u + P_hat(u_hat - u_c)
     * for s &lt; eta_post: u = smooth(kappa, eta_pre + s, f, u)
     * </pre>
     */
    public <T> T sic(Ops<T> ops, T f, T u, int kappa) {
        ChannelLevel ch = channel.get(kappa);
        for (int s = 0; s < pre; s++) u = ch.smooth(ops, s, f, u);
        if (kappa < depth()) {
            ChannelLevel coarse = channel.get(kappa + 1);
            T fine = u;
            Multigrid.Pair<T> c = Multigrid.fas(ops, ch.piHat, ch.rHat, coarse.a, fine, () -> Smoother.residual(ops, ch.a, f, fine));
            T uc = c.u();
            T uHat = sic(ops, c.f(), uc, kappa + 1);
            T correction = this.correction == ModelConfig.Correction.LITERAL ? uHat : ops.sub(uHat, uc);
            u = ops.convInto(ch.pHat, correction, u, 1f);
        }
        for (int s = 0; s < post; s++) u = ch.smooth(ops, pre + s, f, u);
        return u;
    }
}
