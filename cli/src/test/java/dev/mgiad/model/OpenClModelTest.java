package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.optim.Sgd;
import dev.mgiad.opencl.OpenCl;
import dev.mgiad.opencl.OpenClBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A small MGiaD trained for a few SGD steps on OpenCL follows the CPU run, on every OpenCL device of every platform
 * (PoCL and rusticl in CI; skipped without an OpenCL device).
 */
class OpenClModelTest {

    static Stream<Named<OpenCl.DeviceInfo>> devices() { return OpenCl.devices().stream().map(d -> Named.of(d.label(), d)); }

    @BeforeAll
    static void requireOpenCl() {
        OpenCl.Availability a = OpenCl.probe();
        Assumptions.assumeTrue(a.available(), () -> "OpenCL unavailable: " + a.reason());
    }

    private static double[] losses(Backend be, ModelConfig c, float[] x, int[] labels, int n, int steps) {
        Model m = Models.build(c, be, 11);
        Sgd sgd = new Sgd(be, m.root().parameters(), 0.05f, 0.9f, 1e-4f, false);
        Graph g = new Graph(be);
        double[] l = new double[steps];
        for (int s = 0; s < steps; s++) {
            l[s] = g.crossEntropy(m.forward(g, g.input(x, n, c.inChannels(), 16, 16)), labels, 0.1f).loss();
            g.backward();
            sgd.step();
            sgd.zeroGrad();
            g.reset();
        }
        return l;
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("devices")
    void smallMgiadTrainsLikeOnTheCpu(OpenCl.DeviceInfo device) {
        ModelConfig c = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(3, 10).withWidths(8, 16).withCk(4).withGs(2);
        int n = 20;
        Random r = new Random(5);
        float[] x = new float[n * 3 * 16 * 16];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
        double[] cpu, cl;
        try (CpuBackend be = new CpuBackend(2)) { cpu = losses(be, c, x, labels, n, 4); }
        try (OpenClBackend be = new OpenClBackend(device)) { cl = losses(be, c, x, labels, n, 4); }
        for (int s = 0; s < cpu.length; s++) assertEquals(cpu[s], cl[s], 1e-4 * Math.abs(cpu[s]), "loss at step " + s);
    }
}
