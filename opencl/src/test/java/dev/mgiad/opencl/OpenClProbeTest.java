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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The probe's answers on machines with and without OpenCL, device selection, the choice rule and the self-test. */
class OpenClProbeTest {

    private static OpenCl.DeviceInfo fake(int index, String type, boolean unified, String name) {
        return new OpenCl.DeviceInfo(index, "P", name, "V", "OpenCL 3.0", "OpenCL C 1.2", type, 1L << 30, 32 << 10,
                4, 256, unified);
    }

    @Test
    void theAutomaticChoiceTakesAGpuElseSaysWhichCpuDevice() {
        OpenCl.DeviceInfo pocl = fake(0, "CPU", true, "pocl"), llvmpipe = fake(1, "CPU", true, "llvmpipe");
        OpenCl.DeviceInfo igpu = fake(2, "GPU", true, "iris"), dgpu = fake(3, "GPU", false, "radeon");
        OpenCl.DeviceInfo fpga = fake(4, "accelerator", false, "fpga");
        OpenCl.Choice c = OpenCl.choose(List.of(pocl, llvmpipe, igpu, dgpu));
        assertEquals(dgpu, c.device(), "a GPU with its own memory before an integrated one");
        assertEquals("the first GPU with its own memory, of 2 GPUs", c.why());
        assertEquals(igpu, OpenCl.choose(List.of(pocl, igpu)).device());
        assertEquals("the only GPU", OpenCl.choose(List.of(pocl, igpu)).why());
        assertEquals("the first of 2 GPUs", OpenCl.choose(List.of(igpu, fake(5, "GPU", true, "iris2"))).why());
        OpenCl.Choice cpu = OpenCl.choose(List.of(fpga, pocl, llvmpipe));
        assertEquals(pocl, cpu.device());
        assertEquals("no GPU found, took the first CPU device of 3 OpenCL devices (opencl:N picks another)", cpu.why());
        assertEquals("no GPU found, took the first CPU device", OpenCl.choose(List.of(llvmpipe)).why());
        assertEquals(fpga, OpenCl.choose(List.of(fpga)).device());
        var e = assertThrows(IllegalArgumentException.class, () -> OpenCl.choose(List.of()));
        assertEquals("there is no OpenCL device", e.getMessage());
        assertEquals("opencl:3 radeon (GPU, P)", dgpu.label());
    }

    @Test
    void selfTestComparisonFailsOnAWrongElement() {
        float[] want = {1f, -2f, 3f};
        assertNull(SelfTest.compare(want, new float[]{1f, -2f, 3.0001f}, 1e-5));
        assertEquals("wrong convolution result: element 1 is -2.1, the reference says -2.0",
                SelfTest.compare(want, new float[]{1f, -2.1f, 3f}, 1e-5));
        assertTrue(SelfTest.compare(want, new float[]{1f, -2f, Float.NaN}, 1e-5).contains("element 2 is NaN"));
        assertEquals("the device returned 2 values, expected 3", SelfTest.compare(want, new float[2], 1e-5));
    }

    @Test
    void selfTestPassesOnEveryDeviceAndReportsAMissingOne() {
        TestDevice.assumeOpenCl();
        for (OpenCl.DeviceInfo d : OpenCl.devices()) {
            SelfTest.Result r = SelfTest.run(d, 60);
            assertTrue(r.passed(), d.label() + ": " + r.line());
            assertTrue(r.line().startsWith("passed ("), r.line());
        }
        OpenCl.DeviceInfo gone = fake(OpenCl.devices().size(), "GPU", false, "gone");
        SelfTest.Result r = SelfTest.run(gone, 60);
        assertFalse(r.passed());
        assertTrue(r.line().startsWith("FAILED: ") && r.line().contains("is gone") && !r.line().contains("\n"), r.line());
    }

    /** {@code clinfo -l}, an independent lister, sees as many devices as the listing (where clinfo is installed). */
    @Test
    void theListingHasEveryDeviceClinfoSees() throws IOException, InterruptedException {
        TestDevice.assumeOpenCl();
        Process p;
        try {
            p = new ProcessBuilder("clinfo", "-l").redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "clinfo is not installed");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        long clinfoDevices = out.lines().filter(l -> l.contains("Device #")).count();
        OpenCl.Listing listing = OpenCl.listing();
        assertEquals(clinfoDevices, listing.devices().size(), out + "\nours: " + listing);
        assertTrue(listing.problems().isEmpty(), listing.problems().toString());
        if (System.getenv("RUSTICL_ENABLE") != null && out.contains("rusticl")) {
            assertTrue(listing.devices().stream().anyMatch(d -> d.platform().equals("rusticl")),
                    "RUSTICL_ENABLE is set and clinfo lists rusticl, but its device is missing: " + listing);
        }
    }

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
