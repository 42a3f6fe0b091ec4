package dev.mgiad.model;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.model.ModelConfig.Kind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The weight count computed before a model is built, which guards memory against crafted configurations. */
class WeightEstimateTest {

    @Test
    void estimateIsExactExceptResNetShortcutsAndNeverBelowTheBuiltModel() {
        List<ModelConfig> configs = new ArrayList<>(TestNets.allTiny());
        for (Kind k : Kind.values()) configs.add(ModelConfig.defaults(k));
        configs.add(ModelConfig.defaults(Kind.MGIAD).withLambda(3).withGs(8));
        try (CpuBackend be = new CpuBackend(1)) {
            for (ModelConfig c : configs) {
                long built = Models.build(c, be, 0).weightCount();
                double est = c.weightEstimate();
                if (c.kind() == Kind.MGIAD || c.kind() == Kind.MGNET) assertEquals(built, est, 0.0, c.describe());
                assertTrue(est >= built && est <= 1.25 * built, c.describe() + ": estimate " + est + " vs built " + built);
            }
        }
    }

    @Test
    void aModelLargerThanTheHeapIsRefusedBeforeAllocation() {
        ModelConfig huge = ModelConfig.defaults(Kind.MGNET).withWidths(65536).withNu(64).withShare(ModelConfig.Share.NONE);
        try (CpuBackend be = new CpuBackend(1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> Models.build(huge, be, 0));
            assertTrue(e.getMessage().contains("more than this Java heap") && e.getMessage().contains("GiB"), e.getMessage());
        }
        var wide = assertThrows(IllegalArgumentException.class, () -> ModelConfig.defaults(Kind.RESNET20).withWidths(1 << 20).validate());
        assertTrue(wide.getMessage().contains("--widths must be at most 65536"), wide.getMessage());
        var lambda = assertThrows(IllegalArgumentException.class, () -> ModelConfig.defaults(Kind.MGIAD).withLambda(1 << 30).validate());
        assertTrue(lambda.getMessage().contains("--lambda must be at most 4096"), lambda.getMessage());
    }
}
