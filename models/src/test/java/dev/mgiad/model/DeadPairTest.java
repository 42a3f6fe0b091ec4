package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.optim.Sgd;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dead level-1 Pi/R pair (spec 4): counted, never applied, never updated. */
class DeadPairTest {
    private static CpuBackend be;

    @BeforeAll static void up() { be = new CpuBackend(1); }

    @AfterAll static void down() { be.close(); }

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of(TestNets.tinyMgiad(1, 10)), Arguments.of(TestNets.tinyMgnet(3, 10)));
    }

    @ParameterizedTest
    @MethodSource("models")
    void countedNeverAppliedNeverUpdated(ModelConfig config) {
        Model m = Models.build(config, be, 3);
        Map<String, Parameter> params = m.root().namedParameters();
        Parameter pi = params.get("levels.1.dead_pi.weight"), r = params.get("levels.1.dead_r.weight");
        assertNotNull(pi);
        assertNotNull(r);
        int c1 = config.levelWidths()[0];
        assertEquals(9L * c1, pi.elements());
        assertTrue(pi.unused() && r.unused());
        long unused = params.values().stream().filter(Parameter::unused).mapToLong(Parameter::elements).sum();
        assertEquals(18L * c1, unused, "exactly the two dead tensors are flagged");
        long used = params.values().stream().filter(p -> !p.unused()).mapToLong(Parameter::elements).sum();
        assertEquals(m.weightCount(), used + 18L * c1, "counted in weightCount");

        float[] piBefore = be.download(pi.value()), rBefore = be.download(r.value());
        Parameter live = params.get("stem.conv.weight");
        float[] liveBefore = be.download(live.value());

        int n = 4, h = 8;
        SplittableRandom rng = new SplittableRandom(5);
        Tensor x = TestNets.inputTensor(be, TestNets.random(rng, n * config.inChannels() * h * h, 1), n, config.inChannels(), h, h);
        Graph g = new Graph(be);
        Sgd sgd = new Sgd(be, m.root().parameters(), 0.1f, 0.9f, 1e-2f, false);
        for (int step = 0; step < 2; step++) {
            sgd.zeroGrad();
            Var logits = TestNets.forward(m, g, x, false);
            g.crossEntropy(logits, new int[]{0, 1, 2, 3}, 0f);
            g.backward();
            assertFalse(pi.gradValid(), "the dead pair never receives a gradient");
            assertFalse(r.gradValid());
            assertNull(pi.gradOrNull());
            assertTrue(live.gradValid());
            sgd.step();
        }
        assertArrayEquals(piBefore, be.download(pi.value()), "weight decay must not touch the dead pair");
        assertArrayEquals(rBefore, be.download(r.value()));
        assertFalse(java.util.Arrays.equals(liveBefore, be.download(live.value())), "a live weight did move");
        assertFalse(MacCounter.run(m, 32, 32).calls().containsKey("levels.1.dead_pi"));
    }
}
