package dev.mgiad.engine.optim;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SgdAndScheduleTest {

    @Test
    void cosineGoesFromBaseToMinimumPerStep() {
        LrSchedule s = LrSchedule.cosine(0.1f, 0f, 10);
        assertEquals(0.1f, s.lr(0), 1e-7);
        assertEquals(0.05f, s.lr(5), 1e-6);
        assertEquals(0.1 * (1 + Math.cos(Math.PI * 2.5 / 10)) / 2, s.lr(2.5), 1e-6);
        assertEquals(0f, s.lr(10), 1e-7);
        assertEquals(0f, s.lr(11), 1e-7);
    }

    @Test
    void stepDecayAndWarmup() {
        LrSchedule s = LrSchedule.step(0.05f, 25, 0.1f);
        assertEquals(0.05f, s.lr(24.9), 1e-7);
        assertEquals(0.005f, s.lr(25), 1e-7);
        assertEquals(0.0005f, s.lr(50.5), 1e-8);
        LrSchedule w = LrSchedule.warmup(LrSchedule.cosine(0.1f, 0f, 10), 1);
        assertEquals(0.1 * 0.5 * (1 + Math.cos(Math.PI * 0.5 / 10)) / 2, w.lr(0.5), 1e-4);
        assertEquals(LrSchedule.cosine(0.1f, 0f, 10).lr(3), w.lr(3), 0);
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0.1f, 0, 0.1f));
    }

    @Test
    void sgdSkipsUnusedParametersAndTreatsAMissingGradientAsZero() {
        try (CpuBackend be = new CpuBackend(1)) {
            Parameter used = new Parameter(be, Shape.of(2), Parameter.Kind.WEIGHT, false, new float[]{1, 2});
            Parameter dead = new Parameter(be, Shape.of(2), Parameter.Kind.WEIGHT, true, new float[]{3, 4});
            Sgd sgd = new Sgd(be, List.of(used, dead), 0.1f, 0.9f, 0.5f, false);
            sgd.step(); // no gradient: only weight decay acts on the used parameter
            assertArrayEquals(new float[]{1 - 0.1f * 0.5f, 2 - 0.1f * 1f}, be.download(used.value()), 1e-6f);
            assertArrayEquals(new float[]{3, 4}, be.download(dead.value()), 0f);
            assertThrows(IllegalArgumentException.class, () -> new Sgd(be, List.of(used), -1f, 0.9f, 0f, false));
            assertThrows(IllegalArgumentException.class, () -> new Sgd(be, List.of(used), 0.1f, 0f, 0f, true));
        }
    }
}
