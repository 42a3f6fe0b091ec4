package dev.mgiad.study;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named study files: the paper's tables (ARCHITECTURE.md sections 8 and 9) with the paper's training settings,
 * and the small Fashion-MNIST study published in docs/results/study. {@code mgiad study --preset NAME} writes the
 * text to a file the user can edit, then runs it.
 */
public final class StudyPresets {
    private StudyPresets() { }

    /** A preset: one line on what it is, and the study file. */
    public record Preset(String name, String description, String text) { }

    private static final Map<String, Preset> PRESETS = new LinkedHashMap<>();

    private static void add(String name, String description, String text) {
        PRESETS.put(name, new Preset(name, description, text));
    }

    public static List<Preset> all() { return List.copyOf(PRESETS.values()); }

    public static Preset get(String name) {
        Preset p = PRESETS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "'; presets: " + String.join(", ", PRESETS.keySet()));
        }
        return p;
    }

    private static final String PAPER_TRAINING = """
            # The paper's training (section IV): SGD, momentum 0.9, weight decay 1e-4, batch 128, 400 epochs, lr 0.05.
            """;

    /** Kept in sync with docs/results/study by hand: it is what was run there. */
    private static final String FMNIST_SMALL = """
            # Four families side by side on Fashion-MNIST, at the budget of a shared 2-core machine:
            # narrow 3-level models, the first 6,000 training images, the first 2,000 test images, 2 epochs, with the
            # short-run recipe (He init, half an epoch of warm-up to lr 0.2, cosine to 0, Nesterov, wd 5e-4, batch 64).
            # Images padded to 32x32 as in the paper. Data from --data-dir in 'common', or $MGIAD_DATA.
            name fmnist-small
            seeds 0
            common --dataset fashion-mnist --epochs 2 --limit-train 6000 --limit-test 2000 \\
                   --batch-size 64 --lr 0.2 --warmup 0.5 --nesterov --wd 5e-4 --init he

            config resnet20-w8      --model resnet20 --widths 8,16,32
            config resnet20         --model resnet20 --widths 16,32,64
            config mgnet-w8         --model mgnet --widths 8,16,32 --share AB
            config mgnet-w16        --model mgnet --widths 16,32,64 --share AB
            config mgic-w16         --model mgic --widths 16,32,64 --gs 4 --ck 8
            config mgiad-ck4-gs4    --model mgiad --widths 16,32,64 --ck 4 --gs 4
            config mgiad-ck16-gs4   --model mgiad --widths 16,32,64 --ck 16 --gs 4
            config mgiad-ck16-gs8   --model mgiad --widths 16,32,64 --ck 16 --gs 8
            """;

    static {
        StringBuilder c10 = new StringBuilder("""
                # The paper's CIFAR-10 comparison (Tables I, II and VII, Fig. 7): weight counts in ARCHITECTURE.md section 9.
                """).append(PAPER_TRAINING).append("""
                # Cosine annealing; CIFAR augmentation (random crop with padding 4, horizontal flip) is on by default.
                # One seed, as the paper reports single runs; write 'seeds 0 1 2' for a spread.
                name paper-cifar10
                seeds 0
                common --dataset cifar10 --epochs 400 --batch-size 128 --lr 0.05 --momentum 0.9 --wd 1e-4 --schedule cosine

                # Table I: ResNets and MgNet (A shared; A and B shared), ResNet20-sized and ResNet18-sized
                config resnet20         --model resnet20
                config mgnet-A-r20      --model mgnet --widths 16,32,64 --share A
                config mgnet-AB-r20     --model mgnet --widths 16,32,64 --share AB
                config resnet18         --model resnet18
                config mgnet-A          --model mgnet --share A
                config mgnet-AB         --model mgnet --share AB
                # MGIC (Fig. 7): in-channel multigrid ResNet blocks, defaults g=16, c_fc=16
                config mgic             --model mgic

                # Table II: MGiaD [64,128,256,256], eta_pre 2, eta_post 1, c_K x g_s with g_s <= c_K
                """);
        int[][] table2 = {{4, 4}, {8, 4}, {16, 4}, {32, 4}, {64, 4}, {8, 8}, {16, 8}, {32, 8}, {64, 8}, {16, 16}, {32, 16},
                {64, 16}, {32, 32}, {64, 32}, {64, 64}};
        for (int[] r : table2) {
            c10.append(String.format("config mgiad-ck%d-gs%d  --model mgiad --ck %d --gs %d%n", r[0], r[1], r[0], r[1]));
        }
        c10.append("\n# Tables II and VII: wider MGiaD (lambda 2 and 3)\n");
        for (int lambda : new int[]{2, 3}) {
            for (int gs : new int[]{4, 8}) {
                c10.append(String.format("config mgiad-ck64-gs%d-l%d  --model mgiad --ck 64 --gs %d --lambda %d%n", gs, lambda, gs, lambda));
            }
        }
        add("paper-cifar10", "CIFAR-10, Tables I, II, VII and Fig. 7: ResNet20/18, MgNet^A and ^{A,B}, MGIC, 19 MGiaD (400 epochs each)",
                c10.toString());

        StringBuilder c100 = new StringBuilder("""
                # The paper's CIFAR-100 comparison (Table V) and post-smoothing steps (Tables VIII and IX).
                """).append(PAPER_TRAINING).append("""
                name paper-cifar100
                seeds 0
                common --dataset cifar100 --epochs 400 --batch-size 128 --lr 0.05 --momentum 0.9 --wd 1e-4 --schedule cosine

                config resnet18         --model resnet18
                config mgnet-AB         --model mgnet --share AB
                """);
        for (int gs : new int[]{8, 64}) {
            for (int lambda = 1; lambda <= 3; lambda++) {
                c100.append(String.format("config mgiad-gs%d-l%d  --model mgiad --ck 64 --gs %d --lambda %d%n", gs, lambda, gs, lambda));
            }
        }
        c100.append("\n# eta_post 2 and 3 (Tables VIII, IX)\n");
        for (int gs : new int[]{8, 64}) {
            for (int post = 2; post <= 3; post++) {
                c100.append(String.format("config mgiad-gs%d-l1-post%d  --model mgiad --ck 64 --gs %d --post %d%n", gs, post, gs, post));
            }
        }
        add("paper-cifar100", "CIFAR-100, Tables V, VIII, IX: ResNet18, MgNet^{A,B}, MGiaD g_s 8/64 x lambda 1-3, eta_post 2/3",
                c100.toString());

        add("paper-fmnist", "Fashion-MNIST, Table IV: 3-level MGiaD [16,32,64] c_K=16 g_s 4/8/16 next to ResNet20, MgNet and 4-level MGiaD", """
                # The paper's Fashion-MNIST comparison (Table IV): 1 input channel, images padded to 32x32.
                # SGD, momentum 0.9, weight decay 1e-4, batch 128, lr 0.05 times 0.1 every 25 epochs; the paper does not
                # say how many epochs it trained Fashion-MNIST for: 100 here (the rate is 5e-6 by then).
                name paper-fmnist
                seeds 0
                common --dataset fashion-mnist --epochs 100 --batch-size 128 --lr 0.05 --momentum 0.9 --wd 1e-4 \\
                       --schedule step --step-every 25 --gamma 0.1

                config resnet20         --model resnet20
                config mgnet-AB-r20     --model mgnet --widths 16,32,64 --share AB
                config mgiad3-gs4       --model mgiad --widths 16,32,64 --ck 16 --gs 4
                config mgiad3-gs8       --model mgiad --widths 16,32,64 --ck 16 --gs 8
                config mgiad3-gs16      --model mgiad --widths 16,32,64 --ck 16 --gs 16
                config resnet18         --model resnet18
                config mgnet-AB         --model mgnet --share AB
                config mgiad-ck64-gs4   --model mgiad --ck 64 --gs 4
                config mgiad-ck64-gs8   --model mgiad --ck 64 --gs 8
                """);

        add("fmnist-small", "the study published in docs/results/study: four families on Fashion-MNIST, narrow widths, short runs", FMNIST_SMALL);
    }

}
