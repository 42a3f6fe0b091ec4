package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.SplittableRandom;

/**
 * MGIC's replacement of a ResNet basic block of width c (spec 7; {@code MgBlockDwGroup} of the MGIC code, one-sided,
 * without bottleneck): an in-channel V-cycle over the widths {@link ModelConfig#mgicHierarchy}.
 * <pre>
 * if the shape changes:  x = ReLU(BN(dwconv3x3(x, stride s)))                 connector
 * cycle(x, kappa):
 *     if kappa == K:  return ResStep_K(x)                                       dense 3x3 convs
 *     x_c = R(x);  x_c' = cycle(x_c, kappa+1)
 *     z = x + BN(P(x_c' - x_c))                                                 FAS-style correction
 *     return ResStep_kappa(z)                                                   grouped 3x3 convs
 * ResStep(x) = ReLU(x + bn2(conv2(ReLU(bn1(conv1 x)))))
 * </pre>
 * R: conv1x1(c -> c/2), P: conv1x1(c/2 -> c), both with groups = max(c/g, 1), as the grouped 3x3 convs.
 */
public final class MgicBlock extends Module {
    private final Connector connector; // null when the shape is kept
    public final ModuleList<Level> channel;

    public MgicBlock(Backend backend, SplittableRandom rng, int in, int c, int stride, int g, int cfc) {
        super(backend);
        connector = stride != 1 || in != c ? child("connector", new Connector(backend, rng, in, c, stride)) : null;
        int[] h = ModelConfig.mgicHierarchy(c, cfc);
        channel = child("channel", new ModuleList<>(backend, 1));
        for (int k = 0; k < h.length; k++) {
            boolean coarsest = k == h.length - 1;
            channel.add(new Level(backend, rng, h[k], coarsest ? 1 : ModelConfig.mgicGroups(h[k], g), coarsest));
        }
    }

    public <T> T forward(Ops<T> ops, T x) {
        if (connector != null) x = ops.convBatchNorm(connector.conv, x, null, 1f, connector.bn, true, null);
        return cycle(ops, x, 1);
    }

    private <T> T cycle(Ops<T> ops, T x, int kappa) {
        Level ch = channel.get(kappa);
        if (kappa == channel.size()) return ch.resStep(ops, x);
        T xc = ops.conv(ch.r, x);
        T xcNew = cycle(ops, xc, kappa + 1);
        T z = ops.convBatchNorm(ch.p, ops.sub(xcNew, xc), null, 1f, ch.bnP, false, x);
        return ch.resStep(ops, z);
    }

    /** The strided depthwise conv + BN that changes width and resolution before the cycle. */
    static final class Connector extends Module {
        final Conv2d conv;
        final BatchNorm2d bn;

        Connector(Backend backend, SplittableRandom rng, int in, int c, int stride) {
            super(backend);
            conv = child("conv", new Conv2d(backend, rng, in, c, 3, stride, in));
            bn = child("bn", new BatchNorm2d(backend, c));
        }
    }

    /** One channel level of the cycle: a residual step and, except on the coarsest level, R, P and P's BN. */
    public static final class Level extends Module {
        public final int channels;
        final Conv2d conv1, conv2, r, p;
        final BatchNorm2d bn1, bn2, bnP;

        Level(Backend backend, SplittableRandom rng, int c, int groups, boolean coarsest) {
            super(backend);
            channels = c;
            if (coarsest) {
                r = p = null;
                bnP = null;
            } else {
                r = child("R", new Conv2d(backend, rng, c, c / 2, 1, 1, groups));
                p = child("P", new Conv2d(backend, rng, c / 2, c, 1, 1, groups));
                bnP = child("bn_p", new BatchNorm2d(backend, c));
            }
            conv1 = child("conv1", new Conv2d(backend, rng, c, c, 3, 1, groups));
            bn1 = child("bn1", new BatchNorm2d(backend, c));
            conv2 = child("conv2", new Conv2d(backend, rng, c, c, 3, 1, groups));
            bn2 = child("bn2", new BatchNorm2d(backend, c));
        }

        <T> T resStep(Ops<T> ops, T x) {
            T y = ops.convBatchNorm(conv1, x, null, 1f, bn1, true, null);
            return ops.relu(ops.convBatchNorm(conv2, y, null, 1f, bn2, false, x));
        }
    }
}
