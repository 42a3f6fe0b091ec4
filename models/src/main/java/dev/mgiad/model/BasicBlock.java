package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.SplittableRandom;

/**
 * ResNet's basic block (spec 2, 3):
 * <pre>
 *   y   = ReLU(bn1(conv1(x)))             conv1: 3x3, stride s
 *   out = ReLU(bn2(conv2(y)) + shortcut(x))
 * </pre>
 * The shortcut is the identity when the shape is kept; otherwise a projection {@code BN(conv1x1(x))} (ResNet18) or
 * option A, subsample and zero-pad the channels, without weights (ResNet20).
 */
public final class BasicBlock extends Module {
    /** How a block whose shape changes forms its shortcut. */
    public enum ShortcutKind { PROJECTION, OPTION_A }

    public final int in, out, stride;
    public final Conv2d conv1, conv2;
    public final BatchNorm2d bn1, bn2;
    private final ShortcutKind kind;
    private final Projection projection; // null unless a projection shortcut is needed

    public BasicBlock(Backend backend, SplittableRandom rng, int in, int out, int stride, ShortcutKind kind) {
        super(backend);
        this.in = in; this.out = out; this.stride = stride; this.kind = kind;
        conv1 = child("conv1", new Conv2d(backend, rng, in, out, 3, stride, 1));
        bn1 = child("bn1", new BatchNorm2d(backend, out));
        conv2 = child("conv2", new Conv2d(backend, rng, out, out, 3, 1, 1));
        bn2 = child("bn2", new BatchNorm2d(backend, out));
        boolean reshapes = stride != 1 || in != out;
        projection = reshapes && kind == ShortcutKind.PROJECTION
                ? child("shortcut", new Projection(backend, rng, in, out, stride)) : null;
    }

    public <T> T forward(Ops<T> ops, T x) {
        T y = ops.convBatchNorm(conv1, x, null, 1f, bn1, true, null);
        T shortcut;
        if (projection != null) shortcut = ops.convBatchNorm(projection.conv, x, null, 1f, projection.bn, false, null);
        else if (stride != 1 || in != out) shortcut = ops.shortcutA(x, stride, out);
        else shortcut = x;
        // bn2(conv2 y) + shortcut in one pass; the ReLU comes after the sum, which the fused BN cannot express
        return ops.relu(ops.convBatchNorm(conv2, y, null, 1f, bn2, false, shortcut));
    }

    /** {@code BN(conv1x1(x, stride s))}. */
    static final class Projection extends Module {
        final Conv2d conv;
        final BatchNorm2d bn;

        Projection(Backend backend, SplittableRandom rng, int in, int out, int stride) {
            super(backend);
            conv = child("conv", new Conv2d(backend, rng, in, out, 1, stride, 1));
            bn = child("bn", new BatchNorm2d(backend, out));
        }
    }
}
