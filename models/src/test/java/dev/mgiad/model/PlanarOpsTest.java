package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.cpu.PlanarKernels;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.mgiad.engine.conformance.Numerics.assertClose;

/**
 * The small-batch inference path gives the logits of the training layout's evaluation mode, for every family, on
 * 1, 3 and 17 images, with batch-norm statistics that are not the identity (so a mistake in them shows).
 */
class PlanarOpsTest {
    private static CpuBackend be;
    private static PlanarKernels kernels;

    @BeforeAll static void up() { be = new CpuBackend(2); kernels = new PlanarKernels(2); }

    @AfterAll static void down() { be.close(); kernels.close(); }

    static Stream<Arguments> tiny() { return TestNets.allTiny().stream().map(c -> Arguments.of(c.describe(), c)); }

    /** Random running statistics and affine parameters in every batch norm. */
    static void randomiseNorms(Module root, SplittableRandom rng) {
        root.namedParameters().forEach((name, p) -> {
            if (p.kind() == dev.mgiad.engine.nn.Parameter.Kind.NORM_SCALE) be.upload(TestNets.random(rng, (int) p.elements(), 1.0), p.value());
            if (p.kind() == dev.mgiad.engine.nn.Parameter.Kind.NORM_SHIFT) be.upload(TestNets.random(rng, (int) p.elements(), 0.5), p.value());
        });
        root.namedBuffers().forEach((name, b) -> {
            Tensor t = b.value();
            float[] v = TestNets.random(rng, (int) t.shape().elements(), 0.5);
            if (name.endsWith("running_var")) for (int i = 0; i < v.length; i++) v[i] = 0.3f + Math.abs(v[i]) * 2;
            be.upload(v, t);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiny")
    void planarLogitsMatchTheBatchedEvaluation(String label, ModelConfig config) {
        Model m = Models.build(config, be, 5);
        SplittableRandom rng = new SplittableRandom(9);
        randomiseNorms(m.root(), rng);
        PlanarOps ops = new PlanarOps(m.root(), be, kernels);
        Graph g = new Graph(be);
        g.setTraining(false);
        int in = config.inChannels(), h = 8;
        for (int n : new int[] {1, 3, 17}) {
            float[] x = TestNets.random(rng, n * in * h * h, 1.5);
            g.reset();
            float[] expect = be.download(m.forward(g, g.input(x, n, in, h, h)).value());
            float[] got = ops.logits(m, x, n, in, h, h);
            double scale = 0;
            for (float v : expect) scale = Math.max(scale, Math.abs(v));
            assertClose(label + " n=" + n, expect, got, 1e-4, 1e-5 * Math.max(1, scale));
        }
    }

}
