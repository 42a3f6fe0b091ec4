package dev.mgiad.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Everything that defines a model's architecture (spec sections 2-8). Fields that a model family does not use are
 * ignored by it and kept at their defaults; {@link #defaults(Kind)} gives the paper's configuration of each family
 * and the {@code with...} methods change one knob.
 *
 * @param kind        the model family
 * @param inChannels  input channels: 3 (CIFAR) or 1 (Fashion-MNIST)
 * @param classes     classifier outputs
 * @param widths      channels per resolution level; for MGiaD the base widths, multiplied by {@code lambda}
 * @param ck          MGiaD: c_K, the smallest width of the coarsest (dense) channel level; MGIC: c_fc, the width
 *                    below which the in-channel restriction stops
 * @param gs          group size (channels per group) of the grouped 3x3 convolutions: MGiaD's non-coarsest
 *                    channel levels, MGIC's grouped steps, MgNet's A and B (0 = dense, MgNet only)
 * @param lambda      MGiaD's channel multiplier of every resolution width (1 for every other family)
 * @param pre         MGiaD: eta_pre, pre-smoothing steps per channel level
 * @param post        MGiaD: eta_post, post-smoothing steps per channel level
 * @param nu          MgNet: smoothing steps per resolution level
 * @param share       MgNet: which of A and B are shared by the nu smoothing steps of a level
 * @param correction  MGiaD: the in-channel coarse-grid correction
 * @param blocks      ResNet and MGIC: blocks per resolution level
 */
public record ModelConfig(Kind kind, int inChannels, int classes, List<Integer> widths, int ck, int gs, int lambda,
                          int pre, int post, int nu, Share share, Correction correction, int blocks) {

    /** The model families of the spec. */
    public enum Kind {
        RESNET18("resnet18"), RESNET20("resnet20"), MGNET("mgnet"), MGIC("mgic"), MGIAD("mgiad");

        public final String cliName;

        Kind(String cliName) { this.cliName = cliName; }

        public static Kind parse(String s) {
            for (Kind k : values()) if (k.cliName.equalsIgnoreCase(s.trim())) return k;
            throw new IllegalArgumentException("unknown model '" + s + "'; valid models are: "
                    + Arrays.stream(values()).map(k -> k.cliName).collect(Collectors.joining(", ")));
        }
    }

    /** MgNet's weight sharing inside a resolution level: MgNet^{A,B}, MgNet^A, or nothing shared (not in the paper). */
    public enum Share {
        AB, A, NONE;

        public String cliName() { return name(); }

        public static Share parse(String s) {
            for (Share v : values()) if (v.name().equalsIgnoreCase(s.trim())) return v;
            throw new IllegalArgumentException("unknown --share '" + s + "'; valid values are: A, AB, none");
        }
    }

    /**
     * MGiaD's in-channel correction: {@code u + P(u_hat)} as Alg. 2 line 7 writes it (the default), or the textbook
     * FAS difference {@code u + P(u_hat - Pi_hat u)}. Both have the same weights.
     */
    public enum Correction {
        LITERAL, DIFFERENCE;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }

        public static Correction parse(String s) {
            for (Correction v : values()) if (v.cliName().equalsIgnoreCase(s.trim())) return v;
            throw new IllegalArgumentException("unknown --correction '" + s + "'; valid values are: literal, difference");
        }
    }

    public ModelConfig {
        widths = List.copyOf(widths);
    }

    /** The paper's configuration of a family for CIFAR-10 (3 input channels, 10 classes), spec section 8. */
    public static ModelConfig defaults(Kind kind) {
        return switch (kind) {
            case RESNET18 -> new ModelConfig(kind, 3, 10, List.of(64, 128, 256, 512), 0, 0, 1, 0, 0, 0, Share.AB, Correction.LITERAL, 2);
            case RESNET20 -> new ModelConfig(kind, 3, 10, List.of(16, 32, 64), 0, 0, 1, 0, 0, 0, Share.AB, Correction.LITERAL, 3);
            case MGNET -> new ModelConfig(kind, 3, 10, List.of(64, 128, 256, 256), 0, 0, 1, 0, 0, 2, Share.AB, Correction.LITERAL, 0);
            // MGIC: the defaults of its reference code (numberOfFixGroup = 16, mgFcChannel = 16) on ResNet18's layout
            case MGIC -> new ModelConfig(kind, 3, 10, List.of(64, 128, 256, 512), 16, 16, 1, 0, 0, 0, Share.AB, Correction.LITERAL, 2);
            case MGIAD -> new ModelConfig(kind, 3, 10, List.of(64, 128, 256, 256), 64, 4, 1, 2, 1, 0, Share.AB, Correction.LITERAL, 0);
        };
    }

    /** MgNet's paper value of nu: 2 on the 4-level (ResNet18-sized) model, 3 on the 3-level (ResNet20-sized) one. */
    public static int paperNu(int levels) { return levels == 3 ? 3 : 2; }

    /** ResNet20 and MGIC use 3 blocks per level on 3 levels, as ResNet20; otherwise 2, as ResNet18. */
    public static int paperBlocks(Kind kind, int levels) {
        return switch (kind) {
            case RESNET18 -> 2;
            case RESNET20 -> 3;
            case MGIC -> levels == 3 ? 3 : 2;
            default -> 0;
        };
    }

    public int levels() { return widths.size(); }

    /** The channels of each resolution level as built: {@code lambda * widths}. */
    public int[] levelWidths() {
        return widths.stream().mapToInt(w -> w * lambda).toArray();
    }

    /**
     * MGiaD's channel hierarchy on a resolution level of width {@code c} (spec 6.2): halve while the half is still
     * at least {@code ck} and the width is even. The last entry, in [c_K, 2 c_K), is the dense coarsest level.
     */
    public static int[] channelHierarchy(int c, int ck) {
        List<Integer> out = new ArrayList<>();
        out.add(c);
        while (c % 2 == 0 && c / 2 >= ck) {
            c /= 2;
            out.add(c);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * MGIC's in-channel hierarchy of a block of width {@code c} (spec 7): the first restriction always happens, and
     * restricting continues until the width drops below {@code cfc}; the last entry, in [c_fc/2, c_fc), is dense.
     */
    public static int[] mgicHierarchy(int c, int cfc) {
        List<Integer> out = new ArrayList<>();
        out.add(c);
        do {
            if (c % 2 != 0) throw new IllegalArgumentException("MGIC cannot halve the odd width " + c);
            c /= 2;
            out.add(c);
        } while (c >= cfc);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** MGIC's number of groups at in-channel width c: c/g, at least 1 (its reference code's rule). */
    public static int mgicGroups(int c, int g) { return Math.max(c / g, 1); }

    // ------------------------------------------------------------------ withers

    public ModelConfig withInput(int inChannels, int classes) {
        return new ModelConfig(kind, inChannels, classes, widths, ck, gs, lambda, pre, post, nu, share, correction, blocks);
    }

    public ModelConfig withWidths(int... w) {
        return new ModelConfig(kind, inChannels, classes, Arrays.stream(w).boxed().toList(), ck, gs, lambda, pre, post, nu, share, correction, blocks);
    }

    public ModelConfig withCk(int v) { return new ModelConfig(kind, inChannels, classes, widths, v, gs, lambda, pre, post, nu, share, correction, blocks); }

    public ModelConfig withGs(int v) { return new ModelConfig(kind, inChannels, classes, widths, ck, v, lambda, pre, post, nu, share, correction, blocks); }

    public ModelConfig withLambda(int v) { return new ModelConfig(kind, inChannels, classes, widths, ck, gs, v, pre, post, nu, share, correction, blocks); }

    public ModelConfig withPre(int v) { return new ModelConfig(kind, inChannels, classes, widths, ck, gs, lambda, v, post, nu, share, correction, blocks); }

    public ModelConfig withPost(int v) { return new ModelConfig(kind, inChannels, classes, widths, ck, gs, lambda, pre, v, nu, share, correction, blocks); }

    public ModelConfig withNu(int v) { return new ModelConfig(kind, inChannels, classes, widths, ck, gs, lambda, pre, post, v, share, correction, blocks); }

    public ModelConfig withShare(Share v) { return new ModelConfig(kind, inChannels, classes, widths, ck, gs, lambda, pre, post, nu, v, correction, blocks); }

    public ModelConfig withCorrection(Correction v) { return new ModelConfig(kind, inChannels, classes, widths, ck, gs, lambda, pre, post, nu, share, v, blocks); }

    public ModelConfig withBlocks(int v) { return new ModelConfig(kind, inChannels, classes, widths, ck, gs, lambda, pre, post, nu, share, correction, v); }

    // ------------------------------------------------------------------ validation and description

    /**
     * Checks that the configuration can be built, with a one-line message naming the offending option otherwise.
     *
     * @return this, for chaining
     */
    public ModelConfig validate() {
        if (inChannels < 1 || inChannels > MAX_COUNT) throw new IllegalArgumentException("input channels must be in [1, " + MAX_COUNT + "], got " + inChannels);
        if (classes < 1 || classes > MAX_CLASSES) throw new IllegalArgumentException("classes must be in [1, " + MAX_CLASSES + "], got " + classes);
        if (widths.isEmpty()) throw new IllegalArgumentException("--widths must list at least one width");
        if (widths.size() > MAX_LEVELS) throw new IllegalArgumentException("--widths lists " + widths.size() + " levels, at most " + MAX_LEVELS + " (32x32 images halve to 1x1 after 5)");
        for (int w : widths) if (w < 1) throw new IllegalArgumentException("--widths must be positive, got " + widths);
        for (int w : widths) if (w > MAX_WIDTH) throw new IllegalArgumentException("--widths must be at most " + MAX_WIDTH + ", got " + widths);
        if (lambda < 1) throw new IllegalArgumentException("--lambda must be >= 1, got " + lambda);
        if (lambda > MAX_COUNT) throw new IllegalArgumentException("--lambda must be at most " + MAX_COUNT + ", got " + lambda);
        for (int v : new int[]{ck, gs, pre, post, nu, blocks}) {
            if (v > MAX_COUNT) throw new IllegalArgumentException("--ck, --gs, --pre, --post, --nu and --blocks must be at most " + MAX_COUNT + ", got " + v);
        }
        if (lambda != 1 && kind != Kind.MGIAD) throw new IllegalArgumentException("--lambda applies to mgiad only");
        int[] c = levelWidths();
        switch (kind) {
            case RESNET18, RESNET20 -> {
                if (blocks < 1) throw new IllegalArgumentException("--blocks must be >= 1, got " + blocks);
                if (kind == Kind.RESNET20) {
                    for (int l = 1; l < c.length; l++) {
                        if (c[l] < c[l - 1] || (c[l] - c[l - 1]) % 2 != 0) {
                            throw new IllegalArgumentException("resnet20's option-A shortcut needs each width to grow by an even number, got " + widths);
                        }
                    }
                }
            }
            case MGNET -> {
                checkPooling(c);
                if (nu < 1) throw new IllegalArgumentException("--nu must be >= 1, got " + nu);
                if (gs < 0) throw new IllegalArgumentException("--gs must be >= 1 (or 0 for dense), got " + gs);
                if (gs > 0) for (int w : c) checkDivides(gs, w, "width " + w);
            }
            case MGIC -> {
                if (blocks < 1) throw new IllegalArgumentException("--blocks must be >= 1, got " + blocks);
                if (ck < 2) throw new IllegalArgumentException("--ck (MGIC's c_fc) must be >= 2, got " + ck);
                if (gs < 1) throw new IllegalArgumentException("--gs must be >= 1, got " + gs);
                for (int l = 0; l < c.length; l++) {
                    if (l > 0 && c[l] % c[l - 1] != 0) {
                        throw new IllegalArgumentException("MGIC's depthwise connector needs each width to be a multiple of the previous, got " + widths);
                    }
                    int[] h;
                    try {
                        h = mgicHierarchy(c[l], ck);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(e.getMessage() + " (level " + (l + 1) + " of width " + c[l] + ", --ck " + ck + ")");
                    }
                    for (int k = 0; k + 1 < h.length; k++) {
                        int groups = mgicGroups(h[k], gs);
                        if (h[k] % groups != 0 || h[k + 1] % groups != 0) {
                            throw new IllegalArgumentException("--gs " + gs + " does not split MGIC's in-channel widths " + h[k]
                                    + " -> " + h[k + 1] + " into equal groups (level " + (l + 1) + ")");
                        }
                    }
                }
            }
            case MGIAD -> {
                checkPooling(c);
                if (ck < 1) throw new IllegalArgumentException("--ck must be >= 1, got " + ck);
                if (gs < 1) throw new IllegalArgumentException("--gs must be >= 1, got " + gs);
                if (pre < 0 || post < 0 || pre + post < 1) {
                    throw new IllegalArgumentException("--pre and --post must be >= 0 with at least one smoothing step, got " + pre + " and " + post);
                }
                for (int l = 0; l < c.length; l++) {
                    int[] h = channelHierarchy(c[l], ck);
                    for (int k = 0; k + 1 < h.length; k++) {
                        checkDivides(gs, h[k], "channel width " + h[k] + " (level " + (l + 1) + ", channel level " + (k + 1) + ")");
                    }
                }
            }
        }
        return this;
    }

    /** Widest resolution level accepted: far beyond any model of the spec, yet small enough that sizes fit a long. */
    public static final int MAX_WIDTH = 1 << 16;
    /** Most resolution levels accepted. */
    public static final int MAX_LEVELS = 16;
    /** Largest value of a count or multiplier (c_K, g_s, lambda, steps, blocks, input channels). */
    public static final int MAX_COUNT = 4096;
    /** Most classes accepted. */
    public static final int MAX_CLASSES = 1 << 20;

    /**
     * The number of weights the built model will have, computed from the configuration alone (no allocation), so
     * that a configuration read from a file can be checked against the memory available before it is built. It is
     * exact for every family except the ResNets, where the projection shortcuts are over-counted as dense 1x1
     * convolutions on every level; tests compare it with the built models.
     */
    public double weightEstimate() {
        int[] c = levelWidths();
        double w = 9.0 * inChannels * c[0] + 2.0 * c[0];                   // stem
        for (int l = 0; l < c.length; l++) {
            double cl = c[l];
            switch (kind) {
                case RESNET18, RESNET20 -> w += blocks * (18.0 * cl * cl + 4 * cl) + cl * (l == 0 ? 0 : c[l - 1]) + 2 * cl;
                case MGNET -> {
                    double q = gs == 0 ? cl : gs;
                    int distinctA = share == Share.NONE ? nu : 1, distinctB = share == Share.AB ? 1 : nu;
                    w += 18 * cl + (distinctA + distinctB) * 9 * cl * q + 4.0 * nu * cl;  // Pi and R, A and B, BN
                }
                case MGIAD -> {
                    int s = pre + post;
                    w += 18 * cl;                                           // Pi and R
                    int[] h = channelHierarchy(c[l], ck);
                    for (int k = 0; k + 1 < h.length; k++) w += 18.0 * gs * h[k] + 4.0 * s * h[k] + 3.0 * h[k];
                    double k = h[h.length - 1];
                    w += 18 * k * k + 4.0 * s * k;
                }
                case MGIC -> {
                    for (int b = 0; b < blocks; b++) {
                        w += 11 * cl;                                       // depthwise connector and its BN (an upper bound)
                        int[] h = mgicHierarchy(c[l], ck);
                        for (int i = 0; i + 1 < h.length; i++) {
                            double k = h[i], groups = mgicGroups(h[i], gs);
                            w += (k / 2) * (k / groups) + k * (k / 2 / groups) + 2 * k + 18 * k * (k / groups) + 4 * k;
                        }
                        double k = h[h.length - 1];
                        w += 18 * k * k + 4 * k;
                    }
                }
            }
        }
        return w + (c[c.length - 1] + 1.0) * classes;
    }

    private static void checkDivides(int gs, int width, String what) {
        if (width % gs != 0) throw new IllegalArgumentException("--gs " + gs + " does not divide " + what);
    }

    /** Pi and R are depthwise with channel multiplier c_l / c_{l-1}: each width must be a multiple of the previous. */
    private void checkPooling(int[] c) {
        for (int l = 1; l < c.length; l++) {
            if (c[l] % c[l - 1] != 0) {
                throw new IllegalArgumentException("each width must be a multiple of the previous one (depthwise Pi/R with channel multiplier), got "
                        + widths);
            }
        }
    }

    /** A one-line description with the knobs that matter for this family. */
    public String describe() {
        String w = widths.stream().map(String::valueOf).collect(Collectors.joining(","));
        String io = ", in=" + inChannels + ", classes=" + classes;
        return switch (kind) {
            case RESNET18, RESNET20 -> kind.cliName + " [" + w + "] x " + blocks + " blocks" + io;
            case MGNET -> "mgnet^{" + (share == Share.NONE ? "-" : share == Share.A ? "A" : "A,B") + "} [" + w + "], nu=" + nu
                    + (gs > 0 ? ", g_s=" + gs : ", dense") + io;
            case MGIC -> "mgic [" + w + "] x " + blocks + " blocks, g=" + gs + ", c_fc=" + ck + io;
            case MGIAD -> "mgiad [" + w + "], c_K=" + ck + ", g_s=" + gs + ", lambda=" + lambda + ", eta_pre=" + pre
                    + ", eta_post=" + post + ", correction " + correction.cliName() + io;
        };
    }
}
