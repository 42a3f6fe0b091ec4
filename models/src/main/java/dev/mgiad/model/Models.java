package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;

import java.util.SplittableRandom;

/** Builds the model a {@link ModelConfig} describes. */
public final class Models {
    private Models() { }

    /**
     * Validates the configuration and allocates the model on {@code backend}. Initialisation follows PyTorch's
     * defaults (convolutions and the classifier U(-1/sqrt(fan_in), 1/sqrt(fan_in)), BN gamma 1 and beta 0), drawn
     * from one generator seeded with {@code seed} in the order the parameters are listed: the same seed gives the
     * same weights.
     */
    public static Model build(ModelConfig config, Backend backend, long seed) {
        config.validate();
        requireMemory(config);
        SplittableRandom rng = new SplittableRandom(seed);
        return switch (config.kind()) {
            case RESNET18, RESNET20 -> new ResNet(config, backend, rng);
            case MGNET -> new MgNet(config, backend, rng);
            case MGIC -> new Mgic(config, backend, rng);
            case MGIAD -> new Mgiad(config, backend, rng);
        };
    }

    /**
     * Refuses, before anything is allocated, a model whose weights alone exceed the Java heap (a configuration
     * read from a crafted checkpoint may name any size); training needs about three times as much, plus activations.
     */
    static void requireMemory(ModelConfig config) {
        double bytes = 4 * config.weightEstimate();
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "the model %s has %.3g weights (%.1f GiB), more than this Java heap of %.1f GiB can hold; "
                            + "use smaller --widths or give Java more memory (MGIAD_JVM_OPTS=-Xmx<size>)",
                    config.describe(), bytes / 4, bytes / (1L << 30), heap / (double) (1L << 30)));
        }
    }
}
