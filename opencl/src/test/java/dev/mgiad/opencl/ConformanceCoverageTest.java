package dev.mgiad.opencl;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The secondary devices' convolution cases still build and run every kernel variant of the full list. */
class ConformanceCoverageTest {
    private static Set<String> variants(List<ConvParams> problems, boolean severalBlocks) {
        return problems.stream().filter(p -> (p.n() > OpenClBackend.DEFAULT_BATCH_BLOCK) == severalBlocks)
                .map(OpenClBackend::convVariant).collect(Collectors.toSet());
    }

    @Test
    void secondaryDevicesRunEveryKernelVariant() {
        List<ConvParams> all = BackendConformance.convProblems(), few = OpenClBackendConformanceTest.secondaryConvProblems();
        assertTrue(all.containsAll(few));
        assertEquals(variants(all, false), variants(few, false), "variants with one batch block");
        assertEquals(variants(all, true), variants(few, true), "variants with several batch blocks (split weight gradient)");
        assertTrue(few.size() * 3 < all.size(), few.size() + " of " + all.size() + ": not much of a cut");
    }
}
