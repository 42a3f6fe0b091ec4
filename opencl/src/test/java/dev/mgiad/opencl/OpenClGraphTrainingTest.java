package dev.mgiad.opencl;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.optim.Sgd;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A few training steps of a small composed network through the autograd tape, on the CPU and on OpenCL from the
 * same initial weights: losses, updated weights and batch-norm running statistics must agree. The network uses
 * the operators a model chains: conv, batch norm with ReLU, a stride-2 depthwise conv with channel multiplier,
 * batch norm with a residual from the option-A shortcut, global average pooling, a linear layer, cross-entropy.
 * OpenCL runs with batch block 8 (19 images: 3 blocks, 3 real lanes in the last), the CPU with its SIMD width, so
 * the check also covers another block size than the conformance suite's.
 *
 * <p>Tolerances: on PoCL the two agree to 6e-8 in the weights and 1e-8 relative in the losses after four steps
 * (float sums in another order); 1e-5 relative and 1e-6 absolute leave room for a GPU's reduction order. Runs on
 * every device {@link TestDevice#all()} lists.
 */
class OpenClGraphTrainingTest {
    static final int N = 19, C = 3, H = 7, W = 6, CLASSES = 5, STEPS = 4;

    /** The network's modules, built in the same order from the same seed on each backend. */
    static final class Net {
        final Conv2d stem, pool;
        final BatchNorm2d bn1, bn2;
        final Linear head;
        final List<Parameter> params = new ArrayList<>();

        Net(Backend be) {
            SplittableRandom rng = new SplittableRandom(42);
            stem = new Conv2d(be, rng, C, 8, 3, 1, 1);
            bn1 = new BatchNorm2d(be, 8);
            pool = new Conv2d(be, rng, 8, 16, 3, 2, 8);
            bn2 = new BatchNorm2d(be, 16);
            head = new Linear(be, rng, 16, CLASSES);
            for (var m : List.of(stem, bn1, pool, bn2, head)) params.addAll(m.parameters());
        }

        double step(Graph g, float[] x, int[] labels) {
            Var in = g.input(x, N, C, H, W);
            Var h = g.batchNorm(bn1, g.conv(stem, in), true, null);
            Var s = g.shortcutA(h, 2, 16);
            Var u = g.batchNorm(bn2, g.conv(pool, h), false, s);
            Var logits = g.linear(head, g.globalAvgPool(g.relu(u)));
            return g.crossEntropy(logits, labels, 0.1f).loss();
        }
    }

    private static double[] train(Backend be, Net net, float[][] xs, int[][] labels) {
        Sgd sgd = new Sgd(be, net.params, 0.1f, 0.9f, 5e-4f, true);
        Graph g = new Graph(be);
        double[] losses = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            sgd.zeroGrad();
            losses[s] = net.step(g, xs[s], labels[s]);
            g.backward();
            sgd.step();
            g.reset();
        }
        return losses;
    }

    @BeforeAll
    static void requireOpenCl() { TestDevice.assumeOpenCl(); }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("dev.mgiad.opencl.TestDevice#named")
    void trainingStepsMatchTheCpu(OpenCl.DeviceInfo device) {
        Random r = new Random(7);
        float[][] xs = new float[STEPS][N * C * H * W];
        int[][] labels = new int[STEPS][N];
        for (int s = 0; s < STEPS; s++) {
            for (int i = 0; i < xs[s].length; i++) xs[s][i] = (float) r.nextGaussian();
            for (int i = 0; i < N; i++) labels[s][i] = r.nextInt(CLASSES);
        }
        try (CpuBackend cpu = new CpuBackend(1); OpenClBackend ocl = new OpenClBackend(device, 8)) {
            Net a = new Net(cpu), b = new Net(ocl);
            double[] la = train(cpu, a, xs, labels), lb = train(ocl, b, xs, labels);
            for (int s = 0; s < STEPS; s++) assertEquals(la[s], lb[s], 1e-5 * Math.abs(la[s]), "loss of step " + s);
            for (int i = 0; i < a.params.size(); i++) {
                Parameter x = a.params.get(i), y = b.params.get(i);
                assertClose("parameter " + i + " " + x.shape() + " after " + STEPS + " steps",
                        cpu.download(x.value()), ocl.download(y.value()), 1e-5, 1e-6);
            }
            for (var bn : List.of(new BatchNorm2d[]{a.bn1, b.bn1}, new BatchNorm2d[]{a.bn2, b.bn2})) {
                assertClose("running mean", cpu.download(bn[0].runningMean.value()), ocl.download(bn[1].runningMean.value()), 1e-5, 1e-6);
                assertClose("running var", cpu.download(bn[0].runningVar.value()), ocl.download(bn[1].runningVar.value()), 1e-5, 1e-6);
            }
        }
    }
}
