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
 * MGIC, multigrid in channels (Eliasof et al.; spec 7, brief): a CIFAR ResNet whose basic blocks are replaced by
 * {@link MgicBlock}s. The group size is {@link ModelConfig#gs()} (MGIC's numberOfFixGroup) and the threshold
 * {@link ModelConfig#ck()} (its mgFcChannel). Names: {@code stem.*}, {@code levels.l.block.i.channel.kappa.*},
 * {@code levels.l.block.0.connector.*}, {@code fc.*}.
 */
public final class Mgic extends Module implements Model {
    private final ModelConfig config;
    public final Stem stem;
    public final ModuleList<Stage> levels;
    public final Linear fc;

    public Mgic(ModelConfig config, Backend backend, SplittableRandom rng) {
        super(backend);
        this.config = config;
        int[] c = config.levelWidths();
        stem = child("stem", new Stem(backend, rng, config.inChannels(), c[0]));
        levels = child("levels", new ModuleList<>(backend, 1));
        int in = c[0];
        for (int l = 0; l < c.length; l++) {
            Stage s = levels.add(new Stage(backend));
            for (int b = 0; b < config.blocks(); b++) {
                s.block.add(new MgicBlock(backend, rng, in, c[l], b == 0 && l > 0 ? 2 : 1, config.gs(), config.ck()));
                in = c[l];
            }
        }
        fc = child("fc", new Linear(backend, rng, c[c.length - 1], config.classes()));
    }

    @Override public ModelConfig config() { return config; }

    @Override public Module root() { return this; }

    @Override
    public <T> T forward(Ops<T> ops, T x) {
        T h = stem.forward(ops, x);
        for (Stage s : levels.items()) for (MgicBlock b : s.block.items()) h = b.forward(ops, h);
        return ops.linear(fc, ops.globalAvgPool(h));
    }

    @Override
    public List<LevelInfo> levels() {
        List<LevelInfo> out = new ArrayList<>();
        int[] c = config.levelWidths();
        for (int l = 0; l < c.length; l++) {
            int[] h = ModelConfig.mgicHierarchy(c[l], config.ck());
            List<Integer> gs = new ArrayList<>();
            for (int k = 0; k < h.length; k++) gs.add(k == h.length - 1 ? h[k] : h[k] / ModelConfig.mgicGroups(h[k], config.gs()));
            out.add(new LevelInfo("levels." + (l + 1), l + 1, Arrays.stream(h).boxed().toList(), gs));
        }
        return out;
    }

    /** The blocks of one resolution level. */
    public static final class Stage extends Module {
        public final ModuleList<MgicBlock> block;

        Stage(Backend backend) {
            super(backend);
            block = child("block", new ModuleList<>(backend, 0));
        }
    }
}
