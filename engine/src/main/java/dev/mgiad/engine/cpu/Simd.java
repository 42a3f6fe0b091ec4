package dev.mgiad.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one home of the SIMD width: every CPU kernel and the batch block of the activation layout use this species.
 * By default it is the machine's preferred width (16 floats with AVX-512, 8 with AVX2). The system property
 * {@code mgiad.simd.lanes=8} (or {@code 16}) forces a width, so that the conformance suite also runs the kernels at
 * the width of an AVX2 machine; a width the machine cannot execute in hardware still computes the same results
 * (the Vector API falls back to scalar code), just slowly.
 */
public final class Simd {
    private Simd() { }

    /** The property that forces the lane count. */
    public static final String LANES_PROPERTY = "mgiad.simd.lanes";

    public static final VectorSpecies<Float> SPECIES = choose(System.getProperty(LANES_PROPERTY));

    /** Floats per vector, and images per batch block. */
    public static final int LANES = SPECIES.length();

    static VectorSpecies<Float> choose(String forced) {
        if (forced == null || forced.isBlank()) return FloatVector.SPECIES_PREFERRED;
        return switch (forced.trim()) {
            case "8" -> FloatVector.SPECIES_256;
            case "16" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("-D" + LANES_PROPERTY + "=" + forced
                    + ": the SIMD width must be 8 or 16 floats");
        };
    }
}
