package dev.mgiad.model;

import dev.mgiad.model.ModelConfig.Kind;
import dev.mgiad.model.ModelConfig.Share;

import java.util.ArrayList;
import java.util.List;

/**
 * The rows of the spec's tables (ARCHITECTURE.md sections 5, 9 and 10): the paper's printed value, the spec's
 * reconstructed value and the configuration that produces it. Tests assert that our models reproduce the spec's
 * values exactly; {@code mgiad params --paper} prints them next to our counts.
 */
public final class PaperTables {
    private PaperTables() { }

    /**
     * A weight-count row.
     *
     * @param tables       the paper's tables that print it
     * @param label        the configuration in words
     * @param paperK       the paper's value, in thousands as printed
     * @param specWeights  the spec's reconstruction, exact
     * @param remark       why the paper and the reconstruction disagree, or empty
     */
    public record WeightRow(String tables, String label, ModelConfig config, long paperK, long specWeights, String remark) { }

    /**
     * A MAC row of spec section 10.
     *
     * @param paperMillions forward MACs per 32x32 image, in millions, to the spec's 0.1 M
     */
    public record MacRow(String label, ModelConfig config, long specWeights, double paperMillions) { }

    public static ModelConfig resnet18() { return ModelConfig.defaults(Kind.RESNET18); }

    public static ModelConfig resnet20() { return ModelConfig.defaults(Kind.RESNET20); }

    /** MgNet on the ResNet18-sized ([64,128,256,256], nu=2) or ResNet20-sized ([16,32,64], nu=3) configuration. */
    public static ModelConfig mgnet(Share share, boolean resnet18Sized) {
        ModelConfig c = ModelConfig.defaults(Kind.MGNET).withShare(share);
        return resnet18Sized ? c : c.withWidths(16, 32, 64).withNu(3);
    }

    /** MGiaD on [64,128,256,256] with eta_pre = 2, eta_post = 1, CIFAR-10. */
    public static ModelConfig mgiad(int ck, int gs, int lambda) {
        return ModelConfig.defaults(Kind.MGIAD).withCk(ck).withGs(gs).withLambda(lambda);
    }

    /** The FashionMNIST 3-level MGiaD of Table IV: base widths [16,32,64], c_K = 16. */
    public static ModelConfig mgiadFmnist3(int gs, int inChannels) {
        return ModelConfig.defaults(Kind.MGIAD).withWidths(16, 32, 64).withCk(16).withGs(gs).withInput(inChannels, 10);
    }

    /** Spec section 9: every CIFAR row of Tables I, II, V and VII. */
    public static List<WeightRow> weights() {
        List<WeightRow> rows = new ArrayList<>();
        rows.add(new WeightRow("I, II", "ResNet20", resnet20(), 270, 269_722, ""));
        rows.add(new WeightRow("I", "MgNet^A (ResNet20 size)", mgnet(Share.A, false), 198, 198_010, ""));
        rows.add(new WeightRow("I, II", "MgNet^{A,B} (ResNet20 size)", mgnet(Share.AB, false), 101, 101_242, ""));
        rows.add(new WeightRow("I, II, VII", "ResNet18", resnet18(), 11_174, 11_173_962, ""));
        rows.add(new WeightRow("I", "MgNet^A (ResNet18 size)", mgnet(Share.A, true), 4_115, 4_114_634, ""));
        rows.add(new WeightRow("I, II, VII", "MgNet^{A,B} (ResNet18 size)", mgnet(Share.AB, true), 2_751, 2_750_666, ""));
        long[][] table2 = { // c_K, g_s, paper k, spec
                {4, 4, 138, 138_154}, {8, 4, 139, 139_018}, {16, 4, 148, 147_658}, {32, 4, 193, 192_586},
                {64, 4, 393, 393_034}, {8, 8, 236, 235_786}, {16, 8, 240, 239_818}, {32, 8, 276, 275_530},
                {64, 8, 458, 457_546}, {16, 16, 424, 424_138}, {32, 16, 441, 441_418}, {64, 16, 586, 586_570},
                {32, 32, 773, 773_194}, {64, 32, 845, 844_618}, {64, 64, 1_361, 1_360_714}};
        for (long[] r : table2) {
            String tables = r[0] == 64 && (r[1] == 4 || r[1] == 8) ? "II, VII" : "II";
            String remark = r[0] == 64 && r[1] == 16 ? "586.57k printed as 586k, a rounding slip" : "";
            rows.add(new WeightRow(tables, "MGiaD c_K=" + r[0] + " g_s=" + r[1], mgiad((int) r[0], (int) r[1], 1), r[2], r[3], remark));
        }
        rows.add(new WeightRow("II, VII", "MGiaD c_K=64 g_s=4 lambda=3", mgiad(64, 4, 3), 1_020, 1_020_106, ""));
        rows.add(new WeightRow("II, VII", "MGiaD c_K=64 g_s=8 lambda=3", mgiad(64, 8, 3), 1_269, 1_268_938, ""));
        rows.add(new WeightRow("VII", "MGiaD c_K=64 g_s=4 lambda=2", mgiad(64, 4, 2), 533, 532_618, ""));
        rows.add(new WeightRow("VII", "MGiaD c_K=64 g_s=8 lambda=2", mgiad(64, 8, 2), 533, 698_506,
                "typo: duplicates the g_s=4 row"));
        rows.add(new WeightRow("V", "ResNet18 (100 classes)", resnet18().withInput(3, 100), 11_220, 11_220_132, ""));
        rows.add(new WeightRow("V", "MgNet^{A,B} (100 classes)", mgnet(Share.AB, true).withInput(3, 100), 2_774, 2_773_796, ""));
        long[][] table5 = {{8, 1, 481, 480_676}, {64, 1, 1_384, 1_383_844}, {8, 2, 745, 744_676},
                {64, 2, 3_067, 3_067_108}, {8, 3, 1_338, 1_338_148}, {64, 3, 4_822, 4_821_796}};
        for (long[] r : table5) {
            rows.add(new WeightRow("V", "MGiaD g_s=" + r[0] + " lambda=" + r[1] + " (100 classes)",
                    mgiad(64, (int) r[0], (int) r[1]).withInput(3, 100), r[2], r[3], ""));
        }
        return rows;
    }

    /** Spec section 5: MgNet's table (counts and, where given, MACs; 0 = not given). */
    public static List<MacRow> mgnet() {
        return List.of(
                new MacRow("MgNet^{A,B}, ResNet18-sized", mgnet(Share.AB, true), 2_750_666, 691.6),
                new MacRow("MgNet^A, ResNet18-sized", mgnet(Share.A, true), 4_114_634, 0),
                new MacRow("MgNet^{A,B}, ResNet20-sized", mgnet(Share.AB, false), 101_242, 52.6),
                new MacRow("MgNet^A, ResNet20-sized", mgnet(Share.A, false), 198_010, 0));
    }

    /** Spec section 10: weights and forward MACs per 32x32 image (the torchvision-stem ResNet18 is not built). */
    public static List<MacRow> macs() {
        return List.of(
                new MacRow("ResNet18 (CIFAR stem, no max-pool)", resnet18(), 11_173_962, 555.4),
                new MacRow("ResNet20", resnet20(), 269_722, 40.6),
                new MacRow("MgNet^{A,B} [64,128,256,256], nu=2", mgnet(Share.AB, true), 2_750_666, 691.6),
                new MacRow("MgNet^{A,B} [16,32,64], nu=3", mgnet(Share.AB, false), 101_242, 52.6),
                new MacRow("MGiaD c_K=64 g_s=4 lambda=1", mgiad(64, 4, 1), 393_034, 373.9),
                new MacRow("MGiaD c_K=64 g_s=8 lambda=3", mgiad(64, 8, 3), 1_268_938, 1_069.9),
                new MacRow("MGiaD 3-level c_K=16 g_s=4 (1 ch, FMNIST)", mgiadFmnist3(4, 1), 28_378, 26.5),
                new MacRow("MGiaD 3-level c_K=16 g_s=4 (3 ch)", mgiadFmnist3(4, 3), 0, 26.8));
    }
}
