package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every family runs forward and backward on a small batch, in training and evaluation mode. */
class ForwardBackwardTest {
    private static CpuBackend be;

    @BeforeAll static void up() { be = new CpuBackend(1); }

    @AfterAll static void down() { be.close(); }

    static Stream<Arguments> tiny() { return TestNets.allTiny().stream().map(c -> Arguments.of(c.describe(), c)); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiny")
    void forwardBackwardGiveFiniteValuesAndAGradientForEveryUsedWeight(String label, ModelConfig config) {
        Model m = Models.build(config, be, 11);
        int n = 5, h = 8, in = config.inChannels();
        SplittableRandom rng = new SplittableRandom(2);
        Tensor x = TestNets.inputTensor(be, TestNets.random(rng, n * in * h * h, 1.5), n, in, h, h);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = rng.nextInt(config.classes());

        Graph g = new Graph(be);
        Var logits = TestNets.forward(m, g, x, true);
        assertEquals(dev.mgiad.engine.tensor.Shape.of(n, config.classes(), 1, 1), logits.shape());
        Graph.LossResult loss = g.crossEntropy(logits, labels, 0.1f);
        assertTrue(TestNets.finite(loss.logits()), label);
        assertTrue(Double.isFinite(loss.loss()) && loss.loss() > 0, label + ": loss " + loss.loss());
        g.backward();
        for (Map.Entry<String, Parameter> e : m.root().namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.unused()) {
                assertFalse(p.gradValid(), e.getKey());
                continue;
            }
            assertTrue(p.gradValid(), e.getKey() + " received no gradient");
            double ss = be.sumOfSquares(p.gradOrNull());
            assertTrue(Double.isFinite(ss), e.getKey() + ": gradient not finite");
        }
        double gx = be.sumOfSquares(logits.grad());
        assertTrue(gx > 0);

        // evaluation mode: running statistics, no tape, finite logits of the same shape
        g.setTraining(false);
        Var eval = TestNets.forward(m, g, x, false);
        float[] z = be.download(eval.value());
        assertEquals(n * config.classes(), z.length);
        assertTrue(TestNets.finite(z), label);
        g.reset();
    }

    @Test
    void sameSeedSameWeightsAndNames() {
        ModelConfig c = TestNets.tinyMgiad(3, 10);
        Model a = Models.build(c, be, 42), b = Models.build(c, be, 42), d = Models.build(c, be, 43);
        assertEquals(a.root().namedParameters().keySet().stream().toList(), b.root().namedParameters().keySet().stream().toList());
        Parameter pa = a.root().namedParameters().get("levels.2.channel.2.A.weight");
        Parameter pb = b.root().namedParameters().get("levels.2.channel.2.A.weight");
        Parameter pd = d.root().namedParameters().get("levels.2.channel.2.A.weight");
        assertArrayEquals(be.download(pa.value()), be.download(pb.value()));
        assertNotEquals(java.util.Arrays.toString(be.download(pa.value())), java.util.Arrays.toString(be.download(pd.value())));
    }

    @Test
    void correctionVariantsDifferInOutputNotInWeights() {
        ModelConfig lit = TestNets.tinyMgiad(1, 10);
        ModelConfig dif = lit.withCorrection(ModelConfig.Correction.DIFFERENCE);
        Model a = Models.build(lit, be, 9), b = Models.build(dif, be, 9);
        assertEquals(a.weightCount(), b.weightCount());
        Tensor x = TestNets.inputTensor(be, TestNets.random(new SplittableRandom(1), 4 * 64, 1), 4, 1, 8, 8);
        Graph g = new Graph(be);
        float[] za = be.download(TestNets.forward(a, g, x, false).value());
        float[] zb = be.download(TestNets.forward(b, g, x, false).value());
        double diff = 0;
        for (int i = 0; i < za.length; i++) diff = Math.max(diff, Math.abs(za[i] - zb[i]));
        assertTrue(diff > 1e-4, "u + P(u_hat) and u + P(u_hat - Pi_hat u) must give different logits");
    }

    @Test
    void zeroInitResidualsMakesEveryBlockItsShortcutWhileGammaStillLearns() {
        for (ModelConfig c : TestNets.allTiny()) {
            if (c.kind() != ModelConfig.Kind.RESNET18 && c.kind() != ModelConfig.Kind.RESNET20) continue;
            ResNet m = (ResNet) Models.build(c, be, 5);
            m.zeroInitResiduals();
            int n = 4, h = 8;
            Tensor x = TestNets.inputTensor(be, TestNets.random(new SplittableRandom(3), n * c.inChannels() * h * h, 1), n,
                    c.inChannels(), h, h);
            Graph g = new Graph(be);
            float[] before = be.download(TestNets.forward(m, g, x, false).value());
            // the branch weights no longer matter: redraw every block's second conv and compare the logits
            for (ResNet.Stage s : m.levels.items()) {
                for (BasicBlock b : s.block.items()) {
                    be.upload(TestNets.random(new SplittableRandom(9), (int) b.conv2.weight.elements(), 3), b.conv2.weight.value());
                }
            }
            Var logits = TestNets.forward(m, g, x, false);
            assertArrayEquals(before, be.download(logits.value()), 1e-6f, c.describe());
            g.crossEntropy(logits, new int[]{0, 1, 2, 3}, 0f);
            g.backward();
            for (ResNet.Stage s : m.levels.items()) {
                for (BasicBlock b : s.block.items()) {
                    assertTrue(be.sumOfSquares(b.bn2.gamma.gradOrNull()) > 0, "bn2.gamma must receive a gradient");
                    for (float v : be.download(b.bn1.gamma.value())) assertEquals(1f, v, "bn1 keeps gamma 1");
                }
            }
            g.reset();
        }
    }
}
