package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;

import java.util.SplittableRandom;

/** conv3x3(in -> c) . BN . ReLU: the first layer of every model; for MgNet and MGiaD its output is the data f_1. */
public final class Stem extends Module {
    public final Conv2d conv;
    public final BatchNorm2d bn;

    public Stem(Backend backend, SplittableRandom rng, int in, int c) {
        super(backend);
        conv = child("conv", new Conv2d(backend, rng, in, c, 3, 1, 1));
        bn = child("bn", new BatchNorm2d(backend, c));
    }

    public <T> T forward(Ops<T> ops, T x) { return ops.convBatchNorm(conv, x, null, 1f, bn, true, null); }
}
