package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * MGiaD, multigrid in all dimensions (spec 6; Algorithm 3): MgNet's resolution V-cycle with every smoothing loop
 * replaced by SiC, an in-channel V-cycle whose coarse channel levels halve the width down to a dense level of at
 * least c_K channels.
 * <pre>
 * f = stem(x);  u = 0
 * for l = 1..L:
 *     if l > 1:  u = Pi_l(u);  f = R_l(f_res) + A_l(u)       A_l = A_hat_{l,1}
 *     u = SiC_l(f, u, 1)
 *     if l &lt; L:  f_res = ReLU(f - A_l u)
 * logits = fc(avgpool(u))
 * </pre>
 * Every resolution width is lambda times the base width, the stem's and the classifier's included.
 */
public final class Mgiad extends Module implements Model {
    private final ModelConfig config;
    public final Stem stem;
    public final ModuleList<MgiadLevel> levels;
    public final Linear fc;

    public Mgiad(ModelConfig config, Backend backend, SplittableRandom rng) {
        super(backend);
        this.config = config;
        int[] c = config.levelWidths();
        stem = child("stem", new Stem(backend, rng, config.inChannels(), c[0]));
        levels = child("levels", new ModuleList<>(backend, 1));
        for (int l = 0; l < c.length; l++) {
            levels.add(new MgiadLevel(backend, rng, l + 1, l == 0 ? c[0] : c[l - 1],
                    ModelConfig.channelHierarchy(c[l], config.ck()), config));
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
            int[] h = ModelConfig.channelHierarchy(c[l], config.ck());
            List<Integer> gs = new ArrayList<>();
            for (int k = 0; k < h.length; k++) gs.add(k == h.length - 1 ? h[k] : config.gs());
            out.add(new LevelInfo("levels." + (l + 1), l + 1, Arrays.stream(h).boxed().toList(), gs));
        }
        return out;
    }
}
