package dev.mgiad.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The device the OpenCL tests run on: {@code -Dmgiad.opencl.device} ({@code opencl} by default), and the skip rule. */
final class TestDevice {
    private TestDevice() { }

    static String spec() { return System.getProperty("mgiad.opencl.device", "opencl"); }

    /** Skips the calling test, with the probe's reason, where OpenCL is not usable. */
    static void assumeOpenCl() {
        OpenCl.Availability a = OpenCl.probe();
        assumeTrue(a.available(), () -> "OpenCL is not usable here: " + a.reason());
    }

    static OpenCl.DeviceInfo device() { return OpenCl.select(spec()); }

    static OpenClBackend open() { return new OpenClBackend(device()); }

    static OpenClBackend open(int batchBlock) { return new OpenClBackend(device(), batchBlock); }
}
