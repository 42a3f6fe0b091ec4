package dev.mgiad.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The probe's answers on machines with and without OpenCL, and device selection. */
class OpenClProbeTest {

    @Test
    void missingLoaderIsReportedWithoutTouchingJocl() {
        OpenCl.Availability a = OpenCl.probe("libNoSuchOpenCLLoader.so");
        assertFalse(a.available());
        assertTrue(a.reason().contains("libNoSuchOpenCLLoader.so cannot be opened"), a.reason());
        assertTrue(a.reason().contains("ocl-icd-opencl-dev"), a.reason());
    }

    @Test
    void probeIsCachedAndConsistentWithTheDeviceList() {
        OpenCl.Availability a = OpenCl.probe();
        assertSame(a, OpenCl.probe());
        assertEquals(a.available(), !OpenCl.devices().isEmpty());
        assertEquals(a.available(), a.reason() == null);
        if (!a.available()) {
            var e = assertThrows(IllegalArgumentException.class, () -> OpenCl.select("opencl"));
            assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        }
    }

    @Test
    void devicesAreListedAndSelectable() {
        TestDevice.assumeOpenCl();
        List<OpenCl.DeviceInfo> all = OpenCl.devices();
        for (int i = 0; i < all.size(); i++) {
            OpenCl.DeviceInfo d = all.get(i);
            assertEquals(i, d.index());
            assertTrue(d.computeUnits() > 0 && d.maxWorkGroupSize() > 0 && d.globalMemBytes() > 0, d.summary());
            assertTrue(d.summary().startsWith("opencl:" + i + "  " + d.name()), d.summary());
        }
        OpenCl.DeviceInfo first = OpenCl.select("opencl");
        assertTrue(first.gpu() || all.stream().noneMatch(OpenCl.DeviceInfo::gpu), first.summary());
        assertEquals(all.getLast(), OpenCl.select("opencl:" + (all.size() - 1)));
        var e = assertThrows(IllegalArgumentException.class, () -> OpenCl.select("opencl:" + all.size()));
        assertTrue(e.getMessage().contains("there are " + all.size() + " OpenCL devices"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OpenCl.select("opencl:x"));
        assertThrows(IllegalArgumentException.class, () -> OpenCl.select("cuda"));
    }

    /**
     * A loader without any ICD (OCL_ICD_VENDORS pointing at an empty folder) in a child JVM: the probe answers
     * with a reason on one line, and nothing else reaches stdout or stderr (no JOCL stack trace, no native print).
     */
    @Test
    void noPlatformIsReportedCleanly(@TempDir Path empty) throws IOException, InterruptedException {
        assumeTrue(OpenCl.probe(OpenCl.LOADER).reason() == null
                || !OpenCl.probe(OpenCl.LOADER).reason().contains("cannot be opened"), "no OpenCL loader here");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), OpenCl.class.getName());
        pb.environment().put("OCL_ICD_VENDORS", empty.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM hangs");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("unavailable: no OpenCL platform is installed"), out);
        assertFalse(out.contains("\n") || out.contains("Exception"), out);
    }
}
