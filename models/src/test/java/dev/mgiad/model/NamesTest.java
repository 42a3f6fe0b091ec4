package dev.mgiad.model;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.model.ModelConfig.Kind;
import dev.mgiad.model.ModelConfig.Share;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hierarchical parameter names and shapes (spec section 13), the channel hierarchy, and configuration checks. */
class NamesTest {
    private static CpuBackend be;

    @BeforeAll static void up() { be = new CpuBackend(1); }

    @AfterAll static void down() { be.close(); }

    private static Map<String, Parameter> params(ModelConfig c) { return Models.build(c, be, 1).root().namedParameters(); }

    private static void shape(Map<String, Parameter> p, String name, int... dims) {
        assertNotNull(p.get(name), name + " missing; have e.g. " + p.keySet().stream().limit(12).toList());
        assertEquals(Shape.of(dims), p.get(name).shape(), name);
    }

    @Test
    void mgiadNames() {
        Map<String, Parameter> p = params(PaperTables.mgiad(64, 4, 1));
        shape(p, "stem.conv.weight", 64, 3, 3, 3);
        shape(p, "stem.bn.weight", 64);
        shape(p, "levels.1.dead_pi.weight", 64, 1, 3, 3);
        shape(p, "levels.1.dead_r.weight", 64, 1, 3, 3);
        shape(p, "levels.1.channel.1.A.weight", 64, 64, 3, 3);        // K_1 = 1: dense
        shape(p, "levels.2.Pi.weight", 128, 1, 3, 3);
        shape(p, "levels.2.R.weight", 128, 1, 3, 3);
        shape(p, "levels.2.channel.1.A.weight", 128, 4, 3, 3);
        shape(p, "levels.2.channel.1.B.weight", 128, 4, 3, 3);
        shape(p, "levels.2.channel.1.bn_r.0.weight", 128);
        shape(p, "levels.2.channel.1.bn_u.2.bias", 128);               // eta_pre + eta_post = 3 pairs
        shape(p, "levels.2.channel.1.R_hat.weight", 64, 2, 1, 1);
        shape(p, "levels.2.channel.1.Pi_hat.weight", 64, 2, 1, 1);
        shape(p, "levels.2.channel.1.P_hat.weight", 128, 1, 1, 1);
        shape(p, "levels.3.channel.3.A.weight", 64, 64, 3, 3);
        shape(p, "levels.4.Pi.weight", 256, 1, 3, 3);                   // 256 -> 256: multiplier 1
        shape(p, "fc.weight", 10, 256);
        shape(p, "fc.bias", 10);
        assertFalse(p.containsKey("levels.2.channel.2.R_hat.weight"), "no transfers on the coarsest channel level");
        assertFalse(p.containsKey("levels.2.channel.1.bn_r.3.weight"));
        assertFalse(p.containsKey("levels.1.Pi.weight"));
        assertTrue(p.get("levels.1.dead_pi.weight").unused());
        assertEquals(2, p.values().stream().filter(Parameter::unused).count());
    }

    @Test
    void lambda3HasADense96ChannelCoarsestLevel() {
        Map<String, Parameter> p = params(PaperTables.mgiad(64, 8, 3));
        shape(p, "stem.conv.weight", 192, 3, 3, 3);
        shape(p, "levels.1.channel.2.A.weight", 96, 96, 3, 3);
        shape(p, "levels.4.channel.1.A.weight", 768, 8, 3, 3);
        shape(p, "levels.4.channel.4.A.weight", 96, 96, 3, 3);
        assertFalse(p.containsKey("levels.4.channel.5.A.weight"));
        shape(p, "fc.weight", 10, 768);
    }

    @Test
    void channelHierarchyRule() {
        assertArrayEquals(new int[]{64}, ModelConfig.channelHierarchy(64, 64));
        assertArrayEquals(new int[]{256, 128, 64}, ModelConfig.channelHierarchy(256, 64));
        assertArrayEquals(new int[]{768, 384, 192, 96}, ModelConfig.channelHierarchy(768, 64));
        assertArrayEquals(new int[]{256, 128, 64, 32, 16, 8, 4}, ModelConfig.channelHierarchy(256, 4)); // K = 7
        assertArrayEquals(new int[]{32}, ModelConfig.channelHierarchy(32, 64));
        assertArrayEquals(new int[]{24, 12}, ModelConfig.channelHierarchy(24, 7));       // 6 < 7: coarsest in [c_K, 2 c_K)
        assertArrayEquals(new int[]{24, 12, 6, 3}, ModelConfig.channelHierarchy(24, 2)); // an odd width stops halving
        assertArrayEquals(new int[]{64, 32, 16, 8}, ModelConfig.mgicHierarchy(64, 16));
        assertArrayEquals(new int[]{16, 8}, ModelConfig.mgicHierarchy(16, 16));
    }

    @Test
    void mgnetNames() {
        Map<String, Parameter> ab = params(PaperTables.mgnet(Share.AB, true));
        shape(ab, "levels.1.A.weight", 64, 64, 3, 3);
        shape(ab, "levels.4.B.weight", 256, 256, 3, 3);
        shape(ab, "levels.3.bn_u.1.weight", 256);
        shape(ab, "levels.2.Pi.weight", 128, 1, 3, 3);
        shape(ab, "levels.1.dead_r.weight", 64, 1, 3, 3);
        Map<String, Parameter> a = params(PaperTables.mgnet(Share.A, false));
        shape(a, "levels.1.A.weight", 16, 16, 3, 3);
        shape(a, "levels.1.B.2.weight", 16, 16, 3, 3);                 // nu = 3 separate B's
        assertFalse(a.containsKey("levels.1.B.3.weight"));
        Map<String, Parameter> none = params(PaperTables.mgnet(Share.NONE, false));
        shape(none, "levels.2.A.1.weight", 32, 32, 3, 3);
        Map<String, Parameter> grouped = params(PaperTables.mgnet(Share.AB, true).withGs(8));
        shape(grouped, "levels.3.A.weight", 256, 8, 3, 3);
    }

    @Test
    void resnetAndMgicNames() {
        Map<String, Parameter> r18 = params(PaperTables.resnet18());
        shape(r18, "levels.1.block.1.conv2.weight", 64, 64, 3, 3);
        shape(r18, "levels.2.block.0.conv1.weight", 128, 64, 3, 3);
        shape(r18, "levels.2.block.0.shortcut.conv.weight", 128, 64, 1, 1);
        shape(r18, "levels.4.block.0.shortcut.bn.bias", 512);
        assertFalse(r18.containsKey("levels.1.block.0.shortcut.conv.weight"));
        Map<String, Parameter> r20 = params(PaperTables.resnet20());
        assertTrue(r20.keySet().stream().noneMatch(n -> n.contains("shortcut")), "option A has no weights");
        shape(r20, "levels.3.block.2.conv2.weight", 64, 64, 3, 3);
        Map<String, Parameter> mgic = params(ModelConfig.defaults(Kind.MGIC));
        shape(mgic, "levels.2.block.0.connector.conv.weight", 128, 1, 3, 3);
        shape(mgic, "levels.1.block.0.channel.1.R.weight", 32, 16, 1, 1);  // 64 -> 32, groups 4
        shape(mgic, "levels.1.block.0.channel.1.P.weight", 64, 8, 1, 1);
        shape(mgic, "levels.1.block.0.channel.1.conv1.weight", 64, 16, 3, 3);
        shape(mgic, "levels.1.block.0.channel.4.conv1.weight", 8, 8, 3, 3);  // dense coarsest
    }

    @Test
    void namesAreStableAcrossBuildsAndDistinct() {
        ModelConfig c = PaperTables.mgiad(16, 4, 1);
        var a = Models.build(c, be, 1).root().namedParameters().keySet().stream().toList();
        var b = Models.build(c, be, 99).root().namedParameters().keySet().stream().toList();
        assertEquals(a, b);
        assertEquals(a.size(), a.stream().distinct().count());
    }

    @Test
    void invalidConfigurationsAreRejectedBeforeAllocation() {
        assertThrows(IllegalArgumentException.class, () -> Models.build(PaperTables.mgiad(64, 5, 1), be, 1));
        assertThrows(IllegalArgumentException.class, () -> Models.build(PaperTables.mgiad(64, 4, 1).withWidths(64, 96), be, 1));
        assertThrows(IllegalArgumentException.class, () -> Models.build(PaperTables.resnet18().withLambda(2), be, 1));
        assertThrows(IllegalArgumentException.class, () -> Models.build(PaperTables.mgnet(Share.AB, true).withNu(0), be, 1));
        assertThrows(IllegalArgumentException.class, () -> Models.build(ModelConfig.defaults(Kind.MGIC).withGs(3), be, 1));
        assertThrows(IllegalArgumentException.class, () -> Models.build(PaperTables.resnet20().withWidths(16, 17), be, 1));
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.Kind.parse("resnet50"));
    }
}
