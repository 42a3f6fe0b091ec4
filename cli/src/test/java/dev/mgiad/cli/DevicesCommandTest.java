package dev.mgiad.cli;

import dev.mgiad.opencl.OpenCl;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mgiad devices} and the device line of train and bench: rendering, the real listing, error lines. */
class DevicesCommandTest {

    private static OpenCl.DeviceInfo device(int index, String platform, String name, String type, long gib, int units) {
        return new OpenCl.DeviceInfo(index, platform, name, "V", "OpenCL 3.0", "OpenCL C 1.2", type, gib << 30, 64 << 10,
                units, 1024, !type.equals("GPU"));
    }

    @Test
    void theTableNamesPlatformTypeMemoryUnitsSelfTestAndTheAutomaticChoice() {
        OpenCl.DeviceInfo pocl = device(0, "Portable Computing Language", "pthread-cpu", "CPU", 21, 2);
        OpenCl.DeviceInfo gpu = device(1, "rusticl", "AMD Radeon RX 7600 (radeonsi)", "GPU", 8, 32);
        OpenCl.Listing listing = new OpenCl.Listing(List.of(pocl, gpu),
                List.of("OpenCL platform 'Broken' could not be queried: clGetDeviceIDs answered CL_OUT_OF_HOST_MEMORY for ALL "
                        + "and found no device by type; its devices are not listed"), List.of("Clover", "rusticl"));
        List<String> lines = DevicesCommand.render(listing,
                d -> d.gpu() ? "FAILED: building conv2d.cl: CL_BUILD_PROGRAM_FAILURE" : "passed (0.31 s)",
                new OpenCl.Choice(gpu, "the only GPU"));
        assertEquals(List.of(
                "device    platform                     type  memory    units  self-test                                             name",
                "opencl:0  Portable Computing Language  CPU   21.0 GiB  2      passed (0.31 s)                                       pthread-cpu",
                "opencl:1  rusticl                      GPU   8.0 GiB   32     FAILED: building conv2d.cl: CL_BUILD_PROGRAM_FAILURE  AMD Radeon RX 7600 (radeonsi)",
                "problem: OpenCL platform 'Broken' could not be queried: clGetDeviceIDs answered CL_OUT_OF_HOST_MEMORY for ALL "
                        + "and found no device by type; its devices are not listed",
                "platform 'Clover' has no device",
                "platform 'rusticl' has no device (rusticl shows only the drivers RUSTICL_ENABLE names, e.g. "
                        + "RUSTICL_ENABLE=llvmpipe for the CPU, radeonsi or iris for AMD and Intel GPUs)",
                "--device opencl takes opencl:1 AMD Radeon RX 7600 (radeonsi) (GPU, rusticl): the only GPU"), lines);
    }

    @Test
    void devicesListsEveryDeviceWithItsSelfTest() {
        var r = ParamsCommandTest.run("devices");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("cpu "), r.out());
        if (!OpenCl.probe().available()) {
            assertTrue(r.out().contains("opencl     unavailable: " + OpenCl.probe().reason()), r.out());
            return;
        }
        List<OpenCl.DeviceInfo> all = OpenCl.devices();
        for (OpenCl.DeviceInfo d : all) {
            String row = r.out().lines().filter(l -> l.startsWith("opencl:" + d.index() + " ")).findFirst().orElseThrow();
            assertTrue(row.contains(d.platform()) && row.contains(d.name()) && row.contains(d.type()), row);
            assertTrue(row.contains(" passed ("), "self-test on " + d.label() + ": " + row);
        }
        assertTrue(r.out().contains("--device opencl takes " + OpenCl.select("opencl").label()), r.out());
        var quick = ParamsCommandTest.run("devices", "--no-self-test", "--verbose");
        assertEquals(0, quick.code(), quick.err());
        assertTrue(quick.out().contains("not run") && !quick.out().contains("passed"), quick.out());
        assertTrue(quick.out().contains(all.getFirst().summary()), quick.out());
    }

    @Test
    void theChosenDeviceIsPrintedFirstAndABadOneIsOneLine() {
        OpenCl.DeviceInfo cpu = device(2, "rusticl", "llvmpipe", "CPU", 2, 8);
        assertEquals("device: opencl:2 llvmpipe (CPU, rusticl): no GPU found, took the first CPU device "
                        + "(--device opencl; see mgiad devices)",
                DeviceOptions.choiceLine("opencl", new OpenCl.Choice(cpu, "no GPU found, took the first CPU device")));
        if (!OpenCl.probe().available()) return;
        var bench = ParamsCommandTest.run("bench", "conv", "--device", "opencl", "--only", "conv1x1 C=64 32x32 gs=4",
                "--batch", "2", "--rounds", "1", "--budget", "0.01");
        assertEquals(0, bench.code(), bench.err());
        String first = bench.out().lines().findFirst().orElse("");
        assertTrue(first.startsWith("device: " + OpenCl.select("opencl").label() + ": "), bench.out());
        int n = OpenCl.devices().size();
        var bad = ParamsCommandTest.run("bench", "conv", "--device", "opencl:" + n, "--only", "conv1x1 C=64 32x32 gs=4");
        assertNotEquals(0, bad.code());
        assertEquals("mgiad bench conv: device 'opencl:" + n + "': there are " + n + " OpenCL devices, opencl:0 .. opencl:"
                + (n - 1) + " (see mgiad devices) (use --fallback-cpu to run on the CPU instead)", bad.err().strip());
        assertFalse(bad.out().contains("device:"), bad.out());
    }
}
