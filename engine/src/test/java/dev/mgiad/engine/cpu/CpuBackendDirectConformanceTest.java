package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.AfterAll;

/**
 * The CPU backend with {@code --conv-algo direct}: the direct kernels on the shapes where auto takes Winograd,
 * against the reference kernels.
 */
class CpuBackendDirectConformanceTest extends BackendConformance {
    private static final CpuBackend CPU = new CpuBackend(2, ConvAlgorithm.DIRECT);

    @Override protected Backend backend() { return CPU; }

    @AfterAll static void close() { CPU.close(); }
}
