package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.AfterAll;

/**
 * The CPU backend with {@code --conv-algo winograd}: Winograd in every direction on every shape that allows it,
 * against the reference kernels.
 */
class CpuBackendWinogradConformanceTest extends BackendConformance {
    private static final CpuBackend CPU = new CpuBackend(2, ConvAlgorithm.WINOGRAD);

    @Override protected Backend backend() { return CPU; }

    @AfterAll static void close() { CPU.close(); }
}
