package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The CIFAR ResNets (spec 2, 3): stem, one stage of basic blocks per resolution level (the first block of every
 * level after the first has stride 2), global average pooling and a linear classifier.
 * ResNet18: [64,128,256,512] x 2 blocks with projection shortcuts; ResNet20: [16,32,64] x 3 blocks with option-A
 * shortcuts. Names: {@code stem.conv.weight}, {@code levels.2.block.0.conv1.weight},
 * {@code levels.2.block.0.shortcut.conv.weight}, {@code fc.weight}.
 */
public final class ResNet extends Module implements Model {
    private final ModelConfig config;
    public final Stem stem;
    public final ModuleList<Stage> levels;
    public final Linear fc;

    public ResNet(ModelConfig config, Backend backend, SplittableRandom rng) {
        super(backend);
        this.config = config;
        int[] c = config.levelWidths();
        BasicBlock.ShortcutKind sk = config.kind() == ModelConfig.Kind.RESNET20
                ? BasicBlock.ShortcutKind.OPTION_A : BasicBlock.ShortcutKind.PROJECTION;
        stem = child("stem", new Stem(backend, rng, config.inChannels(), c[0]));
        levels = child("levels", new ModuleList<>(backend, 1));
        int in = c[0];
        for (int l = 0; l < c.length; l++) {
            Stage s = levels.add(new Stage(backend));
            for (int b = 0; b < config.blocks(); b++) {
                s.block.add(new BasicBlock(backend, rng, in, c[l], b == 0 && l > 0 ? 2 : 1, sk));
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
        for (Stage s : levels.items()) for (BasicBlock b : s.block.items()) h = b.forward(ops, h);
        return ops.linear(fc, ops.globalAvgPool(h));
    }

    /**
     * Starts every residual branch at zero: the last BN of each block gets gamma 0, so each block begins as its
     * shortcut (Goyal et al. 2017; torchvision's {@code zero_init_residual}, timm's {@code zero_init_last}). The
     * gradient of gamma is not zero, so the branches grow in from the first step; deep nets take higher rates early.
     */
    public void zeroInitResiduals() {
        for (Stage s : levels.items()) {
            for (BasicBlock b : s.block.items()) backend.upload(new float[(int) b.bn2.gamma.elements()], b.bn2.gamma.value());
        }
    }

    @Override
    public List<LevelInfo> levels() {
        List<LevelInfo> out = new ArrayList<>();
        int[] c = config.levelWidths();
        for (int l = 0; l < c.length; l++) out.add(new LevelInfo("levels." + (l + 1), l + 1, List.of(c[l]), List.of(c[l])));
        return out;
    }

    /** The blocks of one resolution level. */
    public static final class Stage extends Module {
        public final ModuleList<BasicBlock> block;

        Stage(Backend backend) {
            super(backend);
            block = child("block", new ModuleList<>(backend, 0));
        }
    }
}
