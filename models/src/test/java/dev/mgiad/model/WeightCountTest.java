package dev.mgiad.model;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.model.ModelConfig.Kind;
import dev.mgiad.model.ModelConfig.Share;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Exact weight counts: every row of spec sections 2, 3, 5, 9 and 10, the closed forms, and configurations beyond the tables. */
class WeightCountTest {
    private static CpuBackend be;

    @BeforeAll static void up() { be = new CpuBackend(1); }

    @AfterAll static void down() { be.close(); }

    private static long count(ModelConfig c) { return Models.build(c, be, 7).weightCount(); }

    static Stream<Arguments> section9() {
        return PaperTables.weights().stream().map(r -> Arguments.of(r.label(), r));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("section9")
    void section9RowsAreReproducedExactly(String label, PaperTables.WeightRow row) {
        assertEquals(row.specWeights(), count(row.config()), label);
        long rounded = Math.round(row.specWeights() / 1000.0);
        if (row.remark().isEmpty()) {
            assertEquals(row.paperK(), rounded, label + ": rounds to the paper's printed value");
        } else {
            assertNotEquals(row.paperK(), rounded, label + " is a flagged paper typo: " + row.remark());
        }
    }

    @Test
    void flaggedPaperTyposKeepOurComputedValues() {
        assertEquals(698_506, count(PaperTables.mgiad(64, 8, 2)));               // Table VII prints 533k
        assertEquals(586_570, count(PaperTables.mgiad(64, 16, 1)));              // Table II prints 586k
        assertEquals(744_676, count(PaperTables.mgiad(64, 8, 2).withInput(3, 100))); // its CIFAR-100 twin: 745k
    }

    @Test
    void section2ResNet18() {
        assertEquals(11_173_962, count(PaperTables.resnet18()));
        assertEquals(11_220_132, count(PaperTables.resnet18().withInput(3, 100)));
        assertEquals(11_172_810, count(PaperTables.resnet18().withInput(1, 10)));
    }

    @Test
    void section3ResNet20() {
        assertEquals(269_722, count(PaperTables.resnet20()));
        assertEquals(269_722 - 2 * 9 * 16 + 90 * 65, count(PaperTables.resnet20().withInput(1, 100)));
    }

    @Test
    void section5MgNetTableAndClosedForm() {
        for (PaperTables.MacRow r : PaperTables.mgnet()) assertEquals(r.specWeights(), count(r.config()), r.label());
        assertEquals(2_749_514 + 1_152, count(PaperTables.mgnet(Share.AB, true))); // spec 4: with the dead pair
    }

    static Stream<Arguments> mgnetConfigs() {
        return Stream.of(
                // in, classes, widths, nu, share, gs
                Arguments.of(3, 10, new int[]{64, 128, 256, 256}, 2, Share.AB, 0),
                Arguments.of(3, 10, new int[]{64, 128, 256, 256}, 2, Share.A, 0),
                Arguments.of(3, 10, new int[]{16, 32, 64}, 3, Share.AB, 0),
                Arguments.of(3, 10, new int[]{16, 32, 64}, 3, Share.A, 0),
                Arguments.of(3, 100, new int[]{64, 128, 256, 256}, 2, Share.AB, 8),  // grouped MgNet, Table VI
                Arguments.of(3, 10, new int[]{64, 128, 256, 256}, 2, Share.AB, 16),
                Arguments.of(3, 10, new int[]{64, 128, 256, 256}, 2, Share.AB, 32),
                Arguments.of(1, 10, new int[]{64, 128, 256, 256}, 2, Share.A, 4),
                Arguments.of(1, 10, new int[]{16, 32, 64}, 3, Share.NONE, 0),
                Arguments.of(3, 100, new int[]{16, 32, 64}, 4, Share.AB, 8));
    }

    @ParameterizedTest
    @MethodSource("mgnetConfigs")
    void mgnetMatchesTheClosedFormOfSection5(int in, int classes, int[] widths, int nu, Share share, int gs) {
        ModelConfig c = ModelConfig.defaults(Kind.MGNET).withInput(in, classes).withWidths(widths).withNu(nu).withShare(share).withGs(gs);
        int nA = share == Share.NONE ? nu : 1, nB = share == Share.AB ? 1 : nu;
        assertEquals(ClosedForms.mgnet(in, classes, widths, nu, nA, nB, gs), count(c), c.describe());
    }

    static Stream<Arguments> mgiadConfigs() {
        Stream.Builder<Arguments> s = Stream.builder();
        // every MGiaD row of section 9
        for (PaperTables.WeightRow r : PaperTables.weights()) if (r.config().kind() == Kind.MGIAD) s.add(Arguments.of(r.config()));
        ModelConfig base = PaperTables.mgiad(64, 4, 1);
        s.add(Arguments.of(base.withPost(2)));                        // eta_post 2 and 3 (Tables VIII/IX)
        s.add(Arguments.of(base.withPost(3)));
        s.add(Arguments.of(PaperTables.mgiad(64, 8, 3).withPost(3).withInput(3, 100)));
        s.add(Arguments.of(base.withPre(1)));
        s.add(Arguments.of(base.withPre(3).withPost(0)));
        s.add(Arguments.of(PaperTables.mgiad(64, 2, 1)));             // other group sizes
        s.add(Arguments.of(PaperTables.mgiad(16, 2, 2)));
        s.add(Arguments.of(PaperTables.mgiad(32, 8, 2)));             // other lambda
        s.add(Arguments.of(PaperTables.mgiad(16, 4, 3)));
        s.add(Arguments.of(PaperTables.mgiad(4, 4, 4)));
        s.add(Arguments.of(PaperTables.mgiad(24, 4, 3)));             // c_K not a power of two
        s.add(Arguments.of(base.withInput(1, 10)));                   // Fashion-MNIST, 4 levels
        s.add(Arguments.of(PaperTables.mgiadFmnist3(4, 1)));          // Fashion-MNIST, 3 levels (Table IV)
        s.add(Arguments.of(PaperTables.mgiadFmnist3(8, 1)));
        s.add(Arguments.of(PaperTables.mgiadFmnist3(16, 1)));
        s.add(Arguments.of(PaperTables.mgiadFmnist3(4, 3).withInput(3, 100)));  // 3 levels, 100 classes
        s.add(Arguments.of(base.withCorrection(ModelConfig.Correction.DIFFERENCE)));
        return s.build();
    }

    @ParameterizedTest
    @MethodSource("mgiadConfigs")
    void mgiadMatchesTheClosedFormOfSection6(ModelConfig c) {
        long expected = ClosedForms.mgiad(c.inChannels(), c.classes(), c.widths().stream().mapToInt(Integer::intValue).toArray(),
                c.lambda(), c.ck(), c.gs(), c.pre(), c.post());
        assertEquals(expected, count(c), c.describe());
    }

    @ParameterizedTest
    @CsvSource({"1, 28378", "3, 28666"})
    void fashionMnistThreeLevelMgiad(int in, long expected) {
        assertEquals(expected, count(PaperTables.mgiadFmnist3(4, in)));
    }

    @Test
    void etaPostAddsBatchNormsOnly() {
        // spec 11.8: each extra post step adds 4 * sum of channel widths: 4,608 at lambda=1, 15,360 at lambda=3
        assertEquals(393_034 + 4_608, count(PaperTables.mgiad(64, 4, 1).withPost(2)));
        assertEquals(393_034 + 2 * 4_608, count(PaperTables.mgiad(64, 4, 1).withPost(3)));
        assertEquals(1_268_938 + 15_360, count(PaperTables.mgiad(64, 8, 3).withPost(2)));
    }

    @Test
    void workedExampleBreakdown() {
        // spec 6.6, by kind: conv 361,152, BN 13,952, Pi/R 11,520, dead pair 1,152, channel transfers 2,688, fc 2,570
        Model m = Models.build(PaperTables.mgiad(64, 4, 1), be, 1);
        long conv = 0, bn = 0, pr = 0, dead = 0, transfers = 0, fc = 0, stem = 0;
        for (var e : m.root().namedParameters().entrySet()) {
            String n = e.getKey();
            long k = e.getValue().elements();
            if (n.startsWith("stem.")) stem += k;
            else if (n.startsWith("fc.")) fc += k;
            else if (n.contains(".dead_")) dead += k;
            else if (n.contains(".Pi.") || n.contains(".R.")) pr += k;
            else if (n.contains("_hat.")) transfers += k;
            else if (n.contains(".bn_")) bn += k;
            else conv += k;
        }
        assertEquals(1_856, stem);
        assertEquals(361_152 - 1_728, conv);   // the spec's conv total includes the stem's conv
        assertEquals(13_952 - 128, bn);        // and its BN
        assertEquals(11_520, pr);
        assertEquals(1_152, dead);
        assertEquals(2_688, transfers);
        assertEquals(2_570, fc);
    }

    static Stream<Arguments> mgicConfigs() {
        return Stream.of(
                Arguments.of(ModelConfig.defaults(Kind.MGIC)),
                Arguments.of(ModelConfig.defaults(Kind.MGIC).withWidths(16, 32, 64).withBlocks(3).withGs(8).withCk(8)),
                Arguments.of(ModelConfig.defaults(Kind.MGIC).withGs(32).withCk(32).withInput(1, 100)),
                Arguments.of(ModelConfig.defaults(Kind.MGIC).withWidths(8, 16).withGs(4).withCk(4)));
    }

    @ParameterizedTest
    @MethodSource("mgicConfigs")
    void mgicMatchesADirectCount(ModelConfig c) {
        long expected = ClosedForms.mgic(c.inChannels(), c.classes(), c.levelWidths(), c.blocks(), c.gs(), c.ck());
        assertEquals(expected, count(c), c.describe());
    }

    @Test
    void withoutTheDeadPairExactly18c1Fewer() {
        Model m = Models.build(PaperTables.mgiad(64, 4, 3), be, 1);
        long used = m.root().namedParameters().values().stream().filter(p -> !p.unused()).mapToLong(p -> p.elements()).sum();
        assertEquals(18 * 192, m.weightCount() - used);
    }
}
