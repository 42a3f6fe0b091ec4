package dev.mgiad.opencl;

import org.junit.jupiter.api.Named;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The devices the OpenCL tests run on, and the skip rule. By default every device of every platform (so that CI
 * tests PoCL and Mesa's rusticl in one {@code ./mvnw -B test}); {@code -Dmgiad.opencl.device} narrows it to one
 * spec or a comma-separated list ({@code opencl}, {@code opencl:1}, {@code opencl:0,opencl:2}).
 */
final class TestDevice {
    private TestDevice() { }

    /** Skips the calling test, with the probe's reason, where OpenCL is not usable. */
    static void assumeOpenCl() {
        OpenCl.Availability a = OpenCl.probe();
        assumeTrue(a.available(), () -> "OpenCL is not usable here: " + a.reason());
    }

    /** The devices to test, in listing order; empty where OpenCL is not usable. */
    static List<OpenCl.DeviceInfo> all() {
        if (!OpenCl.probe().available()) return List.of();
        String specs = System.getProperty("mgiad.opencl.device", "").strip();
        if (specs.isEmpty() || specs.equals("all")) return OpenCl.devices();
        return Arrays.stream(specs.split(",")).map(String::strip).map(OpenCl::select).distinct().toList();
    }

    /** {@link #all()} as named test arguments ({@code opencl:1 llvmpipe (CPU, rusticl)}). */
    static Stream<Named<OpenCl.DeviceInfo>> named() { return all().stream().map(d -> Named.of(d.label(), d)); }

    /**
     * The device that gets the whole conformance suite: the one {@code --device opencl} takes (a GPU where there
     * is one) among those tested; the others get every kernel variant on fewer shapes (see
     * {@link OpenClBackendConformanceTest}).
     */
    static OpenCl.DeviceInfo primary() {
        List<OpenCl.DeviceInfo> all = all();
        return all.isEmpty() ? null : OpenCl.choose(all).device();
    }

    /** The first device tested, for the few tests that need just one. */
    static OpenCl.DeviceInfo device() {
        assumeOpenCl();
        return primary();
    }

    static OpenClBackend open() { return new OpenClBackend(device()); }

    static OpenClBackend open(int batchBlock) { return new OpenClBackend(device(), batchBlock); }
}
