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

    /**
     * Floats to add to an index of a freshly allocated {@code float[]} so that the vector starting there is aligned to
     * its own size (64 bytes with AVX-512): 12 when the JVM places objects on 64-byte boundaries
     * ({@code -XX:ObjectAlignmentInBytes=64}, which bin/mgiad and the tests pass) and a float array's elements begin
     * 16 bytes into the object; 0 when objects are only 8-byte aligned, where no offset can help.
     *
     * <p>Why (session 9, AMD EPYC Zen 5, one core, a 4 x 4 outer-product loop from L1 with 8 vector loads per 16 FMAs,
     * docs/results/bench/session9/harness/LoadRate.java): 168-177 GFLOP/s when every load straddles two cache lines (a
     * float array's data starts 16 bytes into a 64-byte line) and 187-203, the FMA peak, when they are aligned (with
     * the Vector API's index checks on: 110-137 against 213-215). The Winograd weight gradient, whose panels also
     * come from L2/L3, ran 1.12-1.42x faster with aligned panels (same bits). The packed panels of the hot kernels
     * (Winograd's transformed tiles, the weight gradients' dy panels and sums, the blocked forward's input panel)
     * start at this offset; the tensors themselves do not (yet).
     */
    public static final int ALIGN = alignOffset(LANES * Float.BYTES);

    static int alignOffset(int vectorBytes) {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            int objectAlignment = Integer.parseInt(vm.getVMOption("ObjectAlignmentInBytes").getValue());
            boolean compact = optionTrue(vm, "UseCompactObjectHeaders");
            boolean compressedClass = optionTrue(vm, "UseCompressedClassPointers");
            int base = compact ? 12 : compressedClass ? 16 : 20; // bytes from a float array's start to element 0
            return offsetFor(objectAlignment, base, vectorBytes);
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * The float index at which vectors of {@code vectorBytes} start on their own alignment in an array whose object
     * starts on a multiple of {@code objectAlignment} bytes with element 0 {@code baseBytes} further; 0 when objects
     * are aligned more coarsely than a vector (the default 8 bytes), where an array may start anywhere in a line.
     */
    static int offsetFor(int objectAlignment, int baseBytes, int vectorBytes) {
        if (objectAlignment % vectorBytes != 0) return 0;
        return ((vectorBytes - baseBytes % vectorBytes) % vectorBytes) / Float.BYTES;
    }

    private static boolean optionTrue(com.sun.management.HotSpotDiagnosticMXBean vm, String name) {
        try {
            return Boolean.parseBoolean(vm.getVMOption(name).getValue());
        } catch (IllegalArgumentException absent) {
            return false;
        }
    }

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
