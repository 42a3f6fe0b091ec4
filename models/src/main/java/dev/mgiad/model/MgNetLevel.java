package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.SplittableRandom;

/**
 * One resolution level of MgNet (spec 5): the transfers Pi_l, R_l from the finer level (the dead pair on level 1),
 * the smoother's A_l and B_l (shared by the nu steps or one per step, by {@link ModelConfig.Share}) and a BN pair
 * per smoothing step. Names: {@code Pi, R} (or {@code dead_pi, dead_r}), {@code A} or {@code A.i}, {@code B} or
 * {@code B.i}, {@code bn_r.i}, {@code bn_u.i}.
 */
public final class MgNetLevel extends Module implements Multigrid.ResolutionLevel {
    public final int level, channels, nu;
    /** Pi_l and R_l; on level 1 the dead pair, allocated and counted, never applied. */
    public final Conv2d pi, r;
    private final Conv2d sharedA, sharedB;
    private final ModuleList<Conv2d> stepA, stepB;
    public final ModuleList<BatchNorm2d> bnR, bnU;

    /**
     * @param cPrev channels of the finer level (for level 1, the level's own width: the dead pair is depthwise)
     * @param gs    group size of A and B, 0 for dense
     */
    public MgNetLevel(Backend backend, SplittableRandom rng, int level, int cPrev, int c, int nu, int gs,
                      ModelConfig.Share share) {
        super(backend);
        this.level = level; this.channels = c; this.nu = nu;
        boolean dead = level == 1;
        pi = child(dead ? "dead_pi" : "Pi", Smoother.depthwisePool(backend, rng, cPrev, c, dead));
        r = child(dead ? "dead_r" : "R", Smoother.depthwisePool(backend, rng, cPrev, c, dead));
        int groups = gs == 0 ? 1 : c / gs;
        if (share == ModelConfig.Share.NONE) {
            sharedA = null;
            stepA = child("A", new ModuleList<>(backend, 0));
            for (int i = 0; i < nu; i++) stepA.add(new Conv2d(backend, rng, c, c, 3, 1, groups));
        } else {
            sharedA = child("A", new Conv2d(backend, rng, c, c, 3, 1, groups));
            stepA = null;
        }
        if (share == ModelConfig.Share.AB) {
            sharedB = child("B", new Conv2d(backend, rng, c, c, 3, 1, groups));
            stepB = null;
        } else {
            sharedB = null;
            stepB = child("B", new ModuleList<>(backend, 0));
            for (int i = 0; i < nu; i++) stepB.add(new Conv2d(backend, rng, c, c, 3, 1, groups));
        }
        bnR = child("bn_r", new ModuleList<>(backend, 0));
        bnU = child("bn_u", new ModuleList<>(backend, 0));
        for (int i = 0; i < nu; i++) {
            bnR.add(new BatchNorm2d(backend, c));
            bnU.add(new BatchNorm2d(backend, c));
        }
    }

    /** A_l of smoothing step i (the shared one for MgNet^A and MgNet^{A,B}). */
    public Conv2d a(int i) { return sharedA != null ? sharedA : stepA.get(i); }

    /** B_l of smoothing step i. */
    public Conv2d b(int i) { return sharedB != null ? sharedB : stepB.get(i); }

    /** Smoothing step i: {@code r = ReLU(bn_r[i](f - A u)); u = u + ReLU(bn_u[i](B^i r))}. */
    public <T> T smooth(Ops<T> ops, int i, T f, T u) {
        return Smoother.step(ops, a(i), b(i), bnR.get(i), bnU.get(i), f, u);
    }

    @Override public Conv2d pi() { return pi; }

    @Override public Conv2d r() { return r; }

    /** With A not shared (not in the paper), the FAS evaluation uses the first step's A ... */
    @Override public Conv2d entryA() { return a(0); }

    /** ... and the residual the last step's. */
    @Override public Conv2d exitA() { return a(nu - 1); }

    /** The level's smoother: nu smoothing steps. */
    @Override
    public <T> T smooth(Ops<T> ops, T f, T u) {
        for (int i = 0; i < nu; i++) u = smooth(ops, i, f, u);
        return u;
    }
}
