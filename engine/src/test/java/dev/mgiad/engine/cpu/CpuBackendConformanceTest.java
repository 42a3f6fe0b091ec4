package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.AfterAll;

/** The CPU backend, with two threads so that the parallel splits are exercised, against the reference kernels. */
class CpuBackendConformanceTest extends BackendConformance {
    private static final CpuBackend CPU = new CpuBackend(2);

    @Override protected Backend backend() { return CPU; }

    @AfterAll static void close() { CPU.close(); }
}
