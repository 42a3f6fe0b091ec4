package dev.mgiad.opencl;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The OpenCL backend against the reference kernels, on the device {@code -Dmgiad.opencl.device} names
 * ({@code opencl} by default: the first GPU, else the first device, PoCL on a machine without a GPU) with the batch
 * block {@code -Dmgiad.opencl.block} (default 16). Skipped, with the probe's reason, where OpenCL is not usable.
 *
 * <p>No extra slack: every kernel sums in float like the CPU, only in another order, and on PoCL all results lie
 * within the suite's CPU tolerances.
 */
class OpenClBackendConformanceTest extends BackendConformance {
    private static OpenClBackend backend;

    @BeforeAll
    static void open() {
        TestDevice.assumeOpenCl();
        OpenCl.DeviceInfo device = TestDevice.device();
        backend = new OpenClBackend(device, Integer.getInteger("mgiad.opencl.block", OpenClBackend.DEFAULT_BATCH_BLOCK));
        System.out.println("[opencl conformance] " + device.summary());
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            System.out.println("[opencl conformance] " + backend.name() + ": " + backend.buildStats());
            backend.close();
        }
    }

    @Override protected Backend backend() { return backend; }
}
