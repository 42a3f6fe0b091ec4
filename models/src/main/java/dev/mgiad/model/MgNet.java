package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

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
 *     if l &lt; L:  f_res = ReLU(f - A_l u)
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
        T u = Multigrid.resolutionCycle(ops, levels.items(), stem.forward(ops, x));
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
