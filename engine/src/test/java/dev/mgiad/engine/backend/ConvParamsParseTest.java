package dev.mgiad.engine.backend;

import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A descriptor as reports print it parses back to the same problem; a bad one is one line naming it. */
class ConvParamsParseTest {

    @Test
    void everyConformanceProblemRoundTrips() {
        for (ConvParams p : BackendConformance.convProblems()) assertEquals(p, ConvParams.parse(p.descriptor()));
        assertEquals(ConvParams.of(128, 64, 32, 32, 64, 3, 1, 16), ConvParams.parse(" g16n128ic64ih32iw32oc64k3s1p1 "));
    }

    @Test
    void badDescriptorsAreOneLineErrors() {
        for (String bad : new String[]{"", "g16n128ic64ih32iw32oc64k3s1", "g16n128ic64ih32iw32oc64k3s1p1x",
                "G16n128ic64ih32iw32oc64k3s1p1", "g16n99999999999ic64ih32iw32oc64k3s1p1"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> ConvParams.parse(bad));
            assertTrue(e.getMessage().startsWith("bad convolution descriptor '" + bad.trim() + "'"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> ConvParams.parse("g3n2ic8ih4iw4oc8k3s1p1"));
        assertTrue(e.getMessage().contains("groups=3 must divide"), e.getMessage());
    }
}
