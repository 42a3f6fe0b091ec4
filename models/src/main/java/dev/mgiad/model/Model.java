package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.List;

/**
 * A classification network of the spec: images {@code [N, in, H, W]} to logits {@code [N, classes, 1, 1]}.
 * The forward algorithm is written once against {@link Ops}; it runs on an autograd graph ({@link #forward(Graph, Var)})
 * or on shapes only ({@link #macs}).
 */
public interface Model {

    ModelConfig config();

    /** The root of the parameter tree; full parameter names ({@code levels.2.channel.1.A.weight}) start here. */
    Module root();

    /** The forward algorithm, generic in the value type. */
    <T> T forward(Ops<T> ops, T x);

    /** The channel hierarchy of every resolution level, for summaries. */
    List<LevelInfo> levels();

    /** Logits of a batch, recorded on {@code g} for backward in training mode (the graph is the model's {@link Ops}). */
    default Var forward(Graph g, Var x) { return forward((Ops<Var>) g, x); }

    /** Learnable weights as the paper counts them (conv and linear weights, biases, BN gamma and beta; unused ones included). */
    default long weightCount() { return root().weightCount(); }

    /** Forward multiply-adds per image of {@code h x w} pixels, counted on the convolutions as executed. */
    default long macs(int h, int w) { return MacCounter.run(this, h, w).total(); }

    /**
     * One resolution level of a model.
     *
     * @param prefix     the parameter-name prefix of the level, e.g. {@code levels.2}
     * @param level      resolution level, 1-based; the spatial size is {@code input / 2^(level-1)}
     * @param channels   the channel hierarchy (one entry for a model without channel levels)
     * @param groupSizes channels per group of the 3x3 convolutions at each channel level (= width when dense)
     */
    record LevelInfo(String prefix, int level, List<Integer> channels, List<Integer> groupSizes) { }
}
