package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * MgNet (spec 5; Algorithm 1 of the paper with Poly-MgNet's layer placement): a multigrid V-cycle over the
 * resolution levels, the data f and the feature u carried separately, FAS transfer between levels.
 * <pre>
 * f = stem(x);  u = 0
 * for l = 1..L:
 *     if l > 1:  u = Pi_l(u);  f = R_l(f_res) + A_l(u)
 *     for i = 1..nu:  r = ReLU(bn_r[i](f - A_l u));  u = u + ReLU(bn_u[i](B_l^i r))
 *     if l < L:  f_res = ReLU(f - A_l u)
 * logits = fc(avgpool(u))
 * </pre>
 * With A not shared (not in the paper), the FAS evaluation uses the first step's A and the residual the last one's.
 */
public final class MgNet extends Module implements Model {
    private final ModelConfig config;
    public final Stem stem;
    public final ModuleList<MgNetLevel> levels;
    public final Linear fc;

    public MgNet(ModelConfig config, Backend backend, SplittableRandom rng) {
        super(backend);
        this.config = config;
        int[] c = config.levelWidths();
        stem = child("stem", new Stem(backend, rng, config.inChannels(), c[0]));
        levels = child("levels", new ModuleList<>(backend, 1));
        for (int l = 0; l < c.length; l++) {
            levels.add(new MgNetLevel(backend, rng, l + 1, l == 0 ? c[0] : c[l - 1], c[l], config.nu(), config.gs(), config.share()));
        }
        fc = child("fc", new Linear(backend, rng, c[c.length - 1], config.classes()));
    }

    @Override public ModelConfig config() { return config; }

    @Override public Module root() { return this; }

    @Override
    public <T> T forward(Ops<T> ops, T x) {
        T f = stem.forward(ops, x);
        T u = ops.zerosLike(f);
        T fRes = null;
        int L = levels.size();
        for (int l = 1; l <= L; l++) {
            MgNetLevel lv = levels.get(l);
            if (l > 1) {
                Smoother.Pair<T> coarse = Smoother.fas(ops, lv.pi, lv.r, lv.a(0), fRes, u);
                u = coarse.u();
                f = coarse.f();
            }
            for (int i = 0; i < lv.nu; i++) u = lv.smooth(ops, i, f, u);
            if (l < L) fRes = Smoother.residual(ops, lv.a(lv.nu - 1), f, u);
        }
        return ops.linear(fc, ops.globalAvgPool(u));
    }

    @Override
    public List<LevelInfo> levels() {
        List<LevelInfo> out = new ArrayList<>();
        int[] c = config.levelWidths();
        for (int l = 0; l < c.length; l++) {
            int q = config.gs() == 0 ? c[l] : config.gs();
            out.add(new LevelInfo("levels." + (l + 1), l + 1, List.of(c[l]), List.of(q)));
        }
        return out;
    }
}
