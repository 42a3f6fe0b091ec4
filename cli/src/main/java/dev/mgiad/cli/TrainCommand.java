package dev.mgiad.cli;

import dev.mgiad.datasets.DataSpec;
import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.datasets.ImageFolder;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.WeightInit;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.DataParallel;
import dev.mgiad.train.EpochMetrics;
import dev.mgiad.train.FlagChecks;
import dev.mgiad.train.TrainOptions;
import dev.mgiad.train.Trainer;
import dev.mgiad.train.TrainingRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    @Mixin DistributedOptions distributed;
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
    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "N",
            description = "Also write a checkpoint every N steps inside an epoch, so a crash loses at most N steps; --resume "
                    + "continues in the middle of the epoch with the same result as an uninterrupted run (0 = at epoch ends only).")
    int checkpointEvery;
    @Option(names = "--max-time", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop cleanly with a checkpoint once this much time has passed (e.g. 45m, 2h, 1h30m); --resume continues.")
    Duration maxTime;
    @Option(names = "--stop-after-steps", defaultValue = "0", paramLabel = "N",
            description = "Stop with a checkpoint after N steps of this invocation (0 = no limit); --resume continues.")
    long stopAfterSteps;
    @Option(names = "--image-size", paramLabel = "S", description = "--dataset folder: images are cropped to a square around "
            + "their centre and resized to S x S (default: 32).")
    Integer imageSize;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its last checkpoint (model and options come from it).")
    Path resume;
    @Option(names = "--stop-after", defaultValue = "0", description = "Stop after N epochs of this invocation (a later --resume continues) (0 = run to the end).")
    int stopAfter;

    /** Flags that define a run: a resumed run takes them from its checkpoint (the study keeps them apart). */
    static final List<String> FIXED_ON_RESUME = List.of("--model", "--dataset", "--widths", "--ck", "--gs",
            "--lambda", "--pre", "--post", "--nu", "--share", "--correction", "--blocks", "--batch-size", "--lr",
            "--momentum", "--wd", "--nesterov", "--schedule", "--step-every", "--gamma", "--warmup", "--label-smoothing",
            "--init", "--zero-init-residual", "--seed", "--limit-train", "--limit-test", "--val-split", "--no-augment", "--no-pad", "--out", "--image-size");

    @Override
    public Integer call() throws Exception {
        FlagChecks.atLeast("--stop-after", stopAfter, 0);
        TrainingRun run;
        if (resume != null) {
            for (String f : FIXED_ON_RESUME) {
                if (spec.commandLine().getParseResult().hasMatchedOption(f)) {
                    throw new IllegalArgumentException(f + " cannot be given with --resume: the run's model and options come from its checkpoint");
                }
            }
            boolean extend = spec.commandLine().getParseResult().hasMatchedOption("--epochs");
            run = TrainingRun.resume(resume, data.dataDir, data.download, extend ? epochs : null);
        } else {
            DataSpec spec = model.isFolder() ? folderSpec() : DataSpec.builtin(model.datasetKind());
            if (!model.isFolder() && imageSize != null) throw new IllegalArgumentException("--image-size applies to --dataset folder only");
            TrainOptions opt = new TrainOptions(spec, data.dataDir, data.download, epochs, batchSize, lr,
                    momentum, wd, nesterov, schedule, warmup, stepEvery, gamma, labelSmoothing, seed, limitTrain, limitTest,
                    !noPad, !noAugment, WeightInit.fromCliName(init), zeroInitResidual, valSplit);
            run = TrainingRun.start(model.config(spec.channels(), spec.classes()), opt, out);
        }
        DataParallel dp = distributed.start(device, System.getenv());
        if (dp == null) return train(run, System.out);
        // not try-with-resources: that would finalise MPI before the catch could call MPI_Abort
        try {
            int code = train(run.dataParallel(dp), dp.isRoot() ? System.out : new PrintStream(OutputStream.nullOutputStream()));
            dp.close();
            return code;
        } catch (Trainer.DivergedException e) {
            // every rank saw the same global loss and stops at the same step: one line from rank 0, a clean exit
            if (dp.isRoot()) System.err.println(spec.qualifiedName() + ": " + e.getMessage());
            dp.close();
            return 1;
        } catch (Throwable e) {
            // this rank alone failed: the others would wait for it in the next collective, so end them all
            System.err.println(spec.qualifiedName() + ": rank " + dp.rank() + " of " + dp.size() + ": " + Main.describe(e)
                    + "; stopping all ranks");
            if (System.getenv("MGIAD_DEBUG") != null) e.printStackTrace();
            dp.abort(1);
            return 1;
        }
    }

    private int train(TrainingRun run, PrintStream out) throws Exception {
        boolean terminal = out == System.out && System.console() != null && System.console().isTerminal();
        try (Backend be = device.open()) {
            TrainingRun.Result r = run.train(be, out, terminal, stopAfter, checkpointEvery, stopAfterSteps, maxTime);
            if (r.stop() != null) {
                Trainer.Stop s = r.stop();
                out.printf("stopped by %s %s (checkpoint: %s); continue with: mgiad train --resume %s%n", s.reason(),
                        s.step() > 0 ? "at step " + s.step() + " of epoch " + (s.epoch() + 1) : "after epoch " + s.epoch(),
                        r.dir().resolve(Checkpoint.POINTER), r.dir());
            }
            if (!r.metrics().isEmpty()) {
                EpochMetrics last = r.last();
                out.printf("test accuracy %.2f%% after %d epoch%s (checkpoint: %s)%n", 100 * last.testAccuracy(),
                        last.epoch(), last.epoch() == 1 ? "" : "s", r.dir().resolve(Checkpoint.POINTER));
            }
        }
        return 0;
    }

    /**
     * An image folder's description: classes and channels from its training split, mean and std measured on the
     * images that will be trained on (after --limit-train, without the --val-split tail).
     */
    DataSpec folderSpec() {
        if (data.dataDir == null) throw new IllegalArgumentException("--dataset folder needs --data-dir PATH (the folder holding train/ and test/)");
        int size = imageSize == null ? 32 : imageSize;
        Path root = data.dataDir.toAbsolutePath().normalize();
        ImageDataset train = ImageFolder.readTrain(root, size);
        if (limitTrain > 0) train = train.subset(limitTrain);
        ImageDataset measured = valSplit > 0 && valSplit < train.count() ? train.range(0, train.count() - valSplit) : train;
        return DataSpec.folder(root, train, ImageFolder.stats(measured));
    }
}
