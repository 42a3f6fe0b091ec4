package dev.mgiad.cli;

import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.datasets.Datasets;
import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.WeightInit;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.model.ResNet;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.EpochMetrics;
import dev.mgiad.train.ModelConfigJson;
import dev.mgiad.train.Network;
import dev.mgiad.train.TrainOptions;
import dev.mgiad.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code mgiad train}: trains a model on a data set, with metrics, curves and resumable checkpoints. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a model with SGD (momentum, weight decay, cosine or step schedule) and evaluates it on the "
                + "test split after every epoch. Writes DIR/metrics.csv, DIR/metrics.json, DIR/curves.svg and an atomic "
                + "checkpoint per epoch (DIR/checkpoint.json -> DIR/ckpt-NNNN/model.safetensors).",
                "Example: mgiad train --dataset fashion-mnist --widths 16,32,64 --ck 16 --gs 4 --epochs 3 --data-dir ../shared/data",
                "The defaults are the paper's 400-epoch settings; for short runs (5 CIFAR epochs) add "
                        + "--batch-size 64 --lr 0.2 --warmup 0.5 --nesterov --wd 5e-4 --init he (ResNet20: 80.4%% in 5 epochs)."})
final class TrainCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin ModelOptions model;
    @Mixin DeviceOptions device;

    @Mixin DataOptions data;
    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}; the paper trains 400).")
    int epochs;
    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--lr", defaultValue = "0.05", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr;
    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    float momentum;
    @Option(names = "--wd", defaultValue = "1e-4", description = "Weight decay (default: ${DEFAULT-VALUE}).")
    float wd;
    @Option(names = "--nesterov", description = "Nesterov momentum.")
    boolean nesterov;
    @Option(names = "--schedule", defaultValue = "cosine", paramLabel = "cosine|step",
            description = "cosine annealing to 0 over the epochs, or step decay by --gamma every --step-every epochs (default: ${DEFAULT-VALUE}).")
    String schedule;
    @Option(names = "--step-every", defaultValue = "25", description = "Step schedule interval in epochs (default: ${DEFAULT-VALUE}, the paper's Fashion-MNIST value).")
    int stepEvery;
    @Option(names = "--gamma", defaultValue = "0.1", description = "Step schedule factor (default: ${DEFAULT-VALUE}).")
    float gamma;
    @Option(names = "--warmup", defaultValue = "0", description = "Linear warm-up in epochs, per step (default: ${DEFAULT-VALUE}).")
    double warmup;
    @Option(names = "--label-smoothing", defaultValue = "0", description = "Label smoothing (default: ${DEFAULT-VALUE}).")
    float labelSmoothing;
    @Option(names = "--init", defaultValue = "uniform", paramLabel = "uniform|he",
            description = "Convolution weights: uniform = PyTorch's layer default U(+-1/sqrt(fan_in)); he = kaiming_normal fan_out "
                    + "as torchvision's ResNets (default: ${DEFAULT-VALUE}).")
    String init;
    @Option(names = "--zero-init-residual", description = "ResNets: the last BN of every block starts at gamma 0, so each "
            + "block begins as its shortcut (torchvision's zero_init_residual).")
    boolean zeroInitResidual;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of weights, batch order and augmentation (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<model>-<dataset>-<time>).")
    Path out;
    @Option(names = "--limit-train", defaultValue = "0", description = "Use only the first N training images (0 = all).")
    int limitTrain;
    @Option(names = "--limit-test", defaultValue = "0", description = "Use only the first N test images (0 = all).")
    int limitTest;
    @Option(names = "--val-split", defaultValue = "0", paramLabel = "N",
            description = "Hold out the last N training images (after --limit-train) as a validation set, evaluated "
                    + "every epoch next to the test set, so choices can be made without looking at the test set (0 = none).")
    int valSplit;
    @Option(names = "--no-augment", description = "No random crop and flip on CIFAR.")
    boolean noAugment;
    @Option(names = "--no-pad", description = "Fashion-MNIST at its native 28x28 instead of padded to 32x32 as in the paper.")
    boolean noPad;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its last checkpoint (model and options come from it).")
    Path resume;
    @Option(names = "--stop-after", defaultValue = "0", description = "Stop after N epochs of this invocation (a later --resume continues) (0 = run to the end).")
    int stopAfter;

    /** Flags that define a run: a resumed run takes them from its checkpoint (the study keeps them apart). */
    static final List<String> FIXED_ON_RESUME = List.of("--model", "--dataset", "--widths", "--ck", "--gs",
            "--lambda", "--pre", "--post", "--nu", "--share", "--correction", "--blocks", "--batch-size", "--lr",
            "--momentum", "--wd", "--nesterov", "--schedule", "--step-every", "--gamma", "--warmup", "--label-smoothing",
            "--init", "--zero-init-residual", "--seed", "--limit-train", "--limit-test", "--val-split", "--no-augment", "--no-pad", "--out");

    @Override
    public Integer call() throws Exception {
        ModelConfig config;
        TrainOptions opt;
        Path dir;
        int startEpoch = 0;
        List<EpochMetrics> previous = List.of();
        if (resume != null) {
            for (String f : FIXED_ON_RESUME) {
                if (spec.commandLine().getParseResult().hasMatchedOption(f)) {
                    throw new IllegalArgumentException(f + " cannot be given with --resume: the run's model and options come from its checkpoint");
                }
            }
            dir = resume;
            Checkpoint.State st = Checkpoint.readState(dir);
            config = ModelConfigJson.read((Map<?, ?>) st.state().get("model"));
            opt = optionsFrom((Map<?, ?>) st.state().get("options"));
            startEpoch = st.epoch();
            previous = Trainer.metricsFromState(st.state());
            if (startEpoch >= opt.epochs()) {
                System.err.println("mgiad train: the run in " + dir + " already finished its " + opt.epochs()
                        + " epochs; pass --epochs N to extend it");
                return 1;
            }
        } else {
            config = model.config();
            if (zeroInitResidual && config.kind() != ModelConfig.Kind.RESNET18 && config.kind() != ModelConfig.Kind.RESNET20) {
                throw new IllegalArgumentException("--zero-init-residual applies to resnet18 and resnet20 only, not "
                        + config.kind().cliName);
            }
            opt = new TrainOptions(model.datasetKind(), data.dataDir, data.download, epochs, batchSize, lr, momentum, wd, nesterov,
                    schedule, warmup, stepEvery, gamma, labelSmoothing, seed, limitTrain, limitTest, !noPad, !noAugment,
                    WeightInit.fromCliName(init), zeroInitResidual, valSplit);
            dir = out != null ? out : Path.of("runs", config.kind().cliName + "-" + opt.dataset().cliName() + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            if (Files.exists(dir.resolve(Checkpoint.POINTER))) {
                throw new IllegalArgumentException(dir + " already holds a run; use --resume " + dir + " to continue it or another --out");
            }
        }
        DatasetKind kind = opt.dataset();
        ImageDataset train = Datasets.load(kind, opt.dataDir(), opt.download(), true);
        ImageDataset test = Datasets.load(kind, opt.dataDir(), opt.download(), false);
        if (opt.limitTrain() > 0) train = train.subset(opt.limitTrain());
        if (opt.limitTest() > 0) test = test.subset(opt.limitTest());
        ImageDataset validation = null;
        if (opt.valSplit() > 0) {
            if (opt.valSplit() >= train.count()) {
                throw new IllegalArgumentException("--val-split " + opt.valSplit() + " leaves no training images (the training split has "
                        + train.count() + ")");
            }
            validation = train.range(train.count() - opt.valSplit(), train.count());
            train = train.range(0, train.count() - opt.valSplit());
        }
        Files.createDirectories(dir);
        try (Backend be = device.open()) {
            Model m = Models.build(config, be, opt.seed());
            if (resume != null) Checkpoint.load(dir, m.root(), be, true);
            else {
                opt.init().apply(m.root(), new SplittableRandom(opt.seed()).split());
                if (opt.zeroInitResidual()) ((ResNet) m).zeroInitResiduals();
            }
            System.out.printf("mgiad train: %s on %s (%,d train%s / %,d test images), %,d weights, %.1f M multiply-adds per image, %s; run directory %s%n",
                    config.kind().cliName, kind.cliName(), train.count(),
                    validation == null ? "" : String.format(" / %,d validation", validation.count()), test.count(), m.weightCount(),
                    m.macs(32, 32) / 1e6, be.name(), dir);
            int end = stopAfter > 0 ? Math.min(opt.epochs(), startEpoch + stopAfter) : opt.epochs();
            Trainer t = new Trainer(network(m), be, opt, ModelConfigJson.write(config), dir, System.out,
                    System.console() != null && System.console().isTerminal());
            List<EpochMetrics> rows = t.run(train, validation, test, startEpoch, previous, end);
            EpochMetrics last = rows.getLast();
            System.out.printf("test accuracy %.2f%% after %d epoch%s (checkpoint: %s)%n", 100 * last.testAccuracy(),
                    last.epoch(), last.epoch() == 1 ? "" : "s", dir.resolve(Checkpoint.POINTER));
        }
        return 0;
    }

    static Network network(Model m) {
        return new Network() {
            @Override public Module module() { return m.root(); }
            @Override public Var forward(Graph g, Var x) { return m.forward(g, x); }
        };
    }

    private TrainOptions optionsFrom(Map<?, ?> o) {
        int e = spec.commandLine().getParseResult().hasMatchedOption("--epochs") ? epochs : ((Number) o.get("epochs")).intValue();
        Path dd = data.dataDir;
        return new TrainOptions(DatasetKind.fromCliName((String) o.get("dataset")), dd, data.download, e,
                n(o, "batch_size").intValue(), n(o, "lr").floatValue(), n(o, "momentum").floatValue(),
                n(o, "weight_decay").floatValue(), (Boolean) o.get("nesterov"), (String) o.get("schedule"),
                n(o, "warmup").doubleValue(), n(o, "step_every").intValue(), n(o, "step_gamma").floatValue(),
                n(o, "label_smoothing").floatValue(), n(o, "seed").longValue(), n(o, "limit_train").intValue(),
                n(o, "limit_test").intValue(), (Boolean) o.get("pad_to_32"), (Boolean) o.get("augment"),
                WeightInit.fromCliName(o.get("init") instanceof String s ? s : "uniform"),
                Boolean.TRUE.equals(o.get("zero_init_residual")),
                o.get("val_split") instanceof Number v ? v.intValue() : 0);
    }

    private static Number n(Map<?, ?> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof Number x)) throw new IllegalArgumentException("the checkpoint's options lack '" + k + "'");
        return x;
    }
}
