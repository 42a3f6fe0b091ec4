package dev.mgiad.engine.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SimdTest {
    private static String option(String name) {
        return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue();
    }

    /** The build passes -XX:ObjectAlignmentInBytes=64 to the tests as bin/mgiad does to runs: the panels are aligned. */
    @Test
    void theTestJvmAlignsObjectsToCacheLinesSoThePanelsAreAligned() {
        assertEquals("64", option("ObjectAlignmentInBytes"), "the surefire argLine lost -XX:ObjectAlignmentInBytes=64");
        // element ALIGN of a float array then starts a vector: 16 header bytes (12 with compact object headers)
        int base = Boolean.parseBoolean(option("UseCompactObjectHeaders")) ? 12 : 16;
        assertEquals(0, (base + Float.BYTES * Simd.ALIGN) % (Float.BYTES * Simd.LANES));
        assertEquals(Simd.LANES == 16 ? (base == 16 ? 12 : 13) : (base == 16 ? 4 : 5), Simd.ALIGN);
    }

    @Test
    void theOffsetPutsElementsOnTheVectorsAlignmentOrIsZeroWhereObjectsAreNotAligned() {
        assertEquals(12, Simd.offsetFor(64, 16, 64)); // default headers: 16 + 48 bytes = 64
        assertEquals(13, Simd.offsetFor(64, 12, 64)); // compact object headers
        assertEquals(11, Simd.offsetFor(64, 20, 64)); // without compressed class pointers
        assertEquals(4, Simd.offsetFor(64, 16, 32));  // 8 lanes: 32-byte vectors
        assertEquals(4, Simd.offsetFor(32, 16, 32));
        assertEquals(0, Simd.offsetFor(8, 16, 64));   // the JVM's default alignment: no offset helps
        assertEquals(0, Simd.offsetFor(32, 16, 64));
        assertEquals(0, Simd.offsetFor(64, 64, 64));
    }
}
