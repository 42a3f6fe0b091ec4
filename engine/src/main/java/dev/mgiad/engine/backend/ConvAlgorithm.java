package dev.mgiad.engine.backend;

/**
 * How a backend computes 3x3 stride-1 convolutions (forward, input and weight gradient): {@code DIRECT} always;
 * {@code WINOGRAD} (F(2x2,3x3): 2.25x fewer multiplies, slightly larger rounding error) wherever the backend has
 * Winograd kernels for the shape; {@code AUTO} picks Winograd only for the shapes (and directions) where it was
 * measured faster.
 */
public enum ConvAlgorithm {
    AUTO, DIRECT, WINOGRAD;

    /** Parses {@code auto|direct|winograd}; anything else is one clear error naming the choices. */
    public static ConvAlgorithm parse(String s) {
        for (ConvAlgorithm a : values()) if (a.name().equalsIgnoreCase(s == null ? "" : s.trim())) return a;
        throw new IllegalArgumentException("--conv-algo must be auto, direct or winograd, got '" + s + "'");
    }
}
