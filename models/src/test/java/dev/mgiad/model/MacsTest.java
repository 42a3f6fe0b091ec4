package dev.mgiad.model;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.model.ModelConfig.Share;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward MACs counted on the convolutions as executed (spec section 10). */
class MacsTest {
    private static CpuBackend be;

    @BeforeAll static void up() { be = new CpuBackend(1); }

    @AfterAll static void down() { be.close(); }

    static Stream<Arguments> section10() {
        return Stream.concat(PaperTables.macs().stream(), PaperTables.mgnet().stream())
                .filter(r -> r.paperMillions() > 0).map(r -> Arguments.of(r.label(), r));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("section10")
    void section10ToTheSpecsPrecision(String label, PaperTables.MacRow row) {
        Model m = Models.build(row.config(), be, 1);
        long macs = m.macs(32, 32);
        assertEquals(Math.round(row.paperMillions() * 10), Math.round(macs / 1e5), label + ": " + macs + " MACs");
        if (row.specWeights() > 0) assertEquals(row.specWeights(), m.weightCount(), label);
    }

    @Test
    void resnet20ExactByHand() {
        // stem 16*3*9*1024; stage 1: 6 convs 16*16*9*1024; stage 2: 32*16*9*256 + 5 * 32*32*9*256;
        // stage 3: 64*32*9*64 + 5 * 64*64*9*64; fc 64*10
        long expected = 16L * 3 * 9 * 1024 + 6L * 16 * 16 * 9 * 1024 + 32L * 16 * 9 * 256 + 5L * 32 * 32 * 9 * 256
                + 64L * 32 * 9 * 64 + 5L * 64 * 64 * 9 * 64 + 640;
        assertEquals(expected, Models.build(PaperTables.resnet20(), be, 1).macs(32, 32));
    }

    @Test
    void mgnetOperatorsAreCountedAtEveryUse() {
        Model m = Models.build(PaperTables.mgnet(Share.AB, true), be, 1);
        Map<String, Integer> calls = MacCounter.run(m, 32, 32).calls();
        // A_1: nu smoothing residuals (the first on u = 0) + the residual handed to R_2
        assertEquals(3, calls.get("levels.1.A"));
        // A_2, A_3: the FAS evaluation A(Pi u) + nu + the residual
        assertEquals(4, calls.get("levels.2.A"));
        assertEquals(4, calls.get("levels.3.A"));
        // A_L: FAS + nu, no residual after the last level
        assertEquals(3, calls.get("levels.4.A"));
        assertEquals(2, calls.get("levels.4.B"));
        assertEquals(1, calls.get("levels.2.Pi"));
        assertEquals(1, calls.get("levels.2.R"));
        assertFalse(calls.containsKey("levels.1.dead_pi"));
        assertFalse(calls.containsKey("levels.1.dead_r"));
    }

    @Test
    void mgiadOperatorsAreCountedAtEveryUse() {
        Model m = Models.build(PaperTables.mgiad(64, 4, 1), be, 1);
        Map<String, Integer> calls = MacCounter.run(m, 32, 32).calls();
        // level 1 has one channel level: 3 smoothing steps + the residual for R_2
        assertEquals(4, calls.get("levels.1.channel.1.A"));
        // level 2, channel 1: FAS (Alg. 3) + 3 steps + the in-channel residual for R_hat + the residual for R_3
        assertEquals(6, calls.get("levels.2.channel.1.A"));
        // level 2, channel 2 (coarsest): in-channel FAS + 3 steps
        assertEquals(4, calls.get("levels.2.channel.2.A"));
        assertEquals(3, calls.get("levels.2.channel.2.B"));
        // last level: no residual after it
        assertEquals(5, calls.get("levels.4.channel.1.A"));
        assertEquals(1, calls.get("levels.3.channel.2.Pi_hat"));
        assertEquals(1, calls.get("levels.3.channel.2.R_hat"));
        assertEquals(1, calls.get("levels.3.channel.2.P_hat"));
        assertFalse(calls.containsKey("levels.1.dead_pi"));
    }

    @Test
    void partsAddUpAndScaleWithTheInput() {
        Model m = Models.build(PaperTables.mgiad(64, 4, 1), be, 1);
        ModelSummary s = ModelSummary.of(m, 32, 32);
        assertEquals(s.macs(), s.rows().stream().mapToLong(ModelSummary.Row::macs).sum());
        assertEquals(s.weights(), s.rows().stream().mapToLong(ModelSummary.Row::weights).sum());
        assertTrue(s.rows().stream().noneMatch(r -> r.part().equals("other")));
        assertEquals(1_769_472, s.rows().get(0).macs());   // stem: 64*3*9*32*32
        long m28 = m.macs(28, 28);
        assertTrue(m28 < s.macs() && m28 > s.macs() / 2, "28x28 input: " + m28);
    }

    @Test
    void shapeMismatchIsCaughtWithoutData() {
        // the counter checks every shape: a 1-channel image into a 3-channel stem fails before anything runs
        Model m = Models.build(PaperTables.mgiad(64, 4, 1), be, 1);
        MacCounter c = new MacCounter(m.root());
        assertThrows(IllegalStateException.class, () -> m.forward(c, dev.mgiad.engine.tensor.Shape.of(1, 1, 32, 32)));
    }
}
