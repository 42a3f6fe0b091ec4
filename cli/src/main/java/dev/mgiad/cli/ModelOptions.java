package dev.mgiad.cli;

import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.ModelConfig.Kind;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * The model flags of every subcommand that builds a model ({@code @Mixin ModelOptions model;}). Unset flags take the
 * paper's value for the chosen model ({@link ModelConfig#defaults}); a flag that the chosen model does not have is an
 * error rather than silently ignored. {@link #config()} resolves and validates, with one-line messages.
 */
public final class ModelOptions {

    @Option(names = "--model", defaultValue = "mgiad", paramLabel = "NAME",
            description = "resnet18, resnet20, mgnet, mgic or mgiad (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--dataset", defaultValue = "cifar10", paramLabel = "NAME",
            description = "cifar10, cifar100 or fashion-mnist: sets input channels (3/3/1) and classes (10/100/10); "
                    + "train and eval also take folder: your own images in --data-dir (train/ and test/ with one "
                    + "sub-folder per class) (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--widths", split = ",", splitSynopsisLabel = ",", paramLabel = "C",
            description = "Channels per resolution level (MGiaD: base widths, times lambda). Default: resnet18 and mgic "
                    + "64,128,256,512; resnet20 16,32,64; mgnet and mgiad 64,128,256,256.")
    List<Integer> widths;

    @Option(names = "--ck", paramLabel = "N",
            description = "mgiad: c_K, smallest width of the dense coarsest channel level (default 64). "
                    + "mgic: c_fc, restriction stops below it (default 16).")
    Integer ck;

    @Option(names = "--gs", paramLabel = "N",
            description = "Group size (channels per group) of the grouped 3x3 convolutions. Default: mgiad 4, mgic 16, "
                    + "mgnet dense (0).")
    Integer gs;

    @Option(names = "--lambda", paramLabel = "N", description = "mgiad: channel multiplier of every width (default 1).")
    Integer lambda;

    @Option(names = "--pre", paramLabel = "N", description = "mgiad: eta_pre, pre-smoothing steps per channel level (default 2).")
    Integer pre;

    @Option(names = "--post", paramLabel = "N", description = "mgiad: eta_post, post-smoothing steps per channel level (default 1).")
    Integer post;

    @Option(names = "--nu", paramLabel = "N",
            description = "mgnet: smoothing steps per level (default 2 for 4 levels, 3 for 3 levels).")
    Integer nu;

    @Option(names = "--share", paramLabel = "A|AB|none",
            description = "mgnet: AB shares A and B over the nu steps (MgNet^{A,B}), A shares only A (MgNet^A) (default AB).")
    String share;

    @Option(names = "--correction", paramLabel = "literal|difference",
            description = "mgiad: in-channel correction u + P(u_hat) (literal, Alg. 2) or u + P(u_hat - Pi_hat u) "
                    + "(difference) (default literal).")
    String correction;

    @Option(names = "--blocks", paramLabel = "N",
            description = "resnet18/resnet20/mgic: blocks per level (default 2; 3 for resnet20 and 3-level mgic).")
    Integer blocks;

    /** Whether {@code --dataset folder} was given: channels and classes then come from the images. */
    public boolean isFolder() { return dataset.trim().equalsIgnoreCase(dev.mgiad.datasets.DataSpec.FOLDER); }

    /** The built-in data set named by {@code --dataset}. */
    public DatasetKind datasetKind() {
        if (isFolder()) {
            throw new IllegalArgumentException("--dataset folder takes its channels and classes from the images; here give "
                    + "one of " + DatasetKind.validNames());
        }
        return DatasetKind.fromCliName(dataset);
    }

    /** The model configuration the flags describe for the built-in data set, validated. */
    public ModelConfig config() {
        DatasetKind ds = datasetKind();
        return config(ds.channels(), ds.classes());
    }

    /** The model configuration the flags describe for images of {@code in} channels and {@code classes} classes. */
    public ModelConfig config(int in, int classes) {
        Kind kind = Kind.parse(model);
        ModelConfig c = ModelConfig.defaults(kind).withInput(in, classes);
        List<String> misplaced = new ArrayList<>();
        if (widths != null) c = c.withWidths(widths.stream().mapToInt(Integer::intValue).toArray());
        if (ck != null) c = applies(misplaced, "--ck", kind, Kind.MGIAD, Kind.MGIC) ? c.withCk(ck) : c;
        if (gs != null) c = applies(misplaced, "--gs", kind, Kind.MGIAD, Kind.MGIC, Kind.MGNET) ? c.withGs(gs) : c;
        if (lambda != null) c = applies(misplaced, "--lambda", kind, Kind.MGIAD) ? c.withLambda(lambda) : c;
        if (pre != null) c = applies(misplaced, "--pre", kind, Kind.MGIAD) ? c.withPre(pre) : c;
        if (post != null) c = applies(misplaced, "--post", kind, Kind.MGIAD) ? c.withPost(post) : c;
        if (share != null) c = applies(misplaced, "--share", kind, Kind.MGNET) ? c.withShare(ModelConfig.Share.parse(share)) : c;
        if (correction != null) {
            c = applies(misplaced, "--correction", kind, Kind.MGIAD) ? c.withCorrection(ModelConfig.Correction.parse(correction)) : c;
        }
        if (kind == Kind.MGNET) c = c.withNu(nu != null ? nu : ModelConfig.paperNu(c.levels()));
        else applies(misplaced, nu == null ? null : "--nu", kind, Kind.MGNET);
        if (kind == Kind.RESNET18 || kind == Kind.RESNET20 || kind == Kind.MGIC) {
            c = c.withBlocks(blocks != null ? blocks : ModelConfig.paperBlocks(kind, c.levels()));
        } else {
            applies(misplaced, blocks == null ? null : "--blocks", kind, Kind.RESNET18, Kind.RESNET20, Kind.MGIC);
        }
        if (!misplaced.isEmpty()) throw new IllegalArgumentException(String.join("; ", misplaced));
        return c.validate();
    }

    private static boolean applies(List<String> misplaced, String flag, Kind kind, Kind... to) {
        if (flag == null) return false;
        for (Kind k : to) if (k == kind) return true;
        List<String> names = new ArrayList<>();
        for (Kind k : to) names.add(k.cliName);
        misplaced.add(flag + " does not apply to " + kind.cliName + " (only to " + String.join(", ", names) + ")");
        return false;
    }
}
