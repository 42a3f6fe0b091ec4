package dev.mgiad.model;

import dev.mgiad.opencl.OpenCl;
import dev.mgiad.opencl.OpenClBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GoldenTest}'s PyTorch cases on the OpenCL backend (PoCL or rusticl in CI), skipped where no OpenCL device
 * exists. It lives here because this is the module that has both the models and OpenCL; the cases and their files
 * come from the train module's test-jar.
 */
class OpenClGoldenTest {
    private static OpenClBackend cl; // opened by the first case, shared by the others

    @AfterAll static void down() {
        if (cl != null) cl.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet20", "mgnet-ab", "mgnet-a", "mgic", "mgiad-literal", "mgiad-difference"})
    void matchesPyTorchOnOpenCl(String name) throws Exception {
        OpenCl.Availability a = OpenCl.probe();
        Assumptions.assumeTrue(a.available(), () -> "OpenCL unavailable: " + a.reason());
        if (cl == null) cl = OpenClBackend.open("opencl");
        GoldenTest.check(name, cl);
    }
}
