package dev.mgiad.train;

import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.model.ResNet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One training run in one run folder, new or resumed: loads the data, builds and initialises (or restores) the
 * model, and trains epoch by epoch with a checkpoint after each. What {@code mgiad train} does, callable from Java:
 * <pre>
 *   TrainingRun run = TrainingRun.start(config, options, Path.of("runs/a"));   // or TrainingRun.resume(dir, ...)
 *   try (Backend be = new CpuBackend(2)) {
 *       TrainingRun.Result r = run.train(be, System.out, false, 0);
 *   }
 * </pre>
 */
public final class TrainingRun {
    private final ModelConfig model;
    private final TrainOptions options;
    private final Path dir;
    private final int startEpoch;
    private final List<EpochMetrics> previous;
    private DataParallel dataParallel;
    private final RunState.Partial partial;

    private TrainingRun(ModelConfig model, TrainOptions options, Path dir, int startEpoch, List<EpochMetrics> previous,
                        RunState.Partial partial) {
        this.model = model;
        this.options = options;
        this.dir = dir;
        this.startEpoch = startEpoch;
        this.previous = List.copyOf(previous);
        this.partial = partial;
    }

    /**
     * What a run achieved: the metrics of every epoch so far (earlier invocations included) and its folder; {@code stop}
     * says where a limit of this invocation ({@code --max-time}, {@code --stop-after-steps}) stopped it, else null.
     */
    public record Result(Path dir, List<EpochMetrics> metrics, Trainer.Stop stop) {
        public EpochMetrics last() { return metrics.getLast(); }
    }

    /**
     * A new run of {@code model} with {@code options} in {@code dir} (null: {@link #defaultDir}). A folder that
     * already holds a run is refused (resume it instead), as is an option the model does not have.
     */
    public static TrainingRun start(ModelConfig model, TrainOptions options, Path dir) throws IOException {
        model.validate();
        if (options.zeroInitResidual() && model.kind() != ModelConfig.Kind.RESNET18 && model.kind() != ModelConfig.Kind.RESNET20) {
            throw new IllegalArgumentException("--zero-init-residual applies to resnet18 and resnet20 only, not "
                    + model.kind().cliName);
        }
        Path d = dir != null ? dir : defaultDir(model, options);
        if (Files.exists(d.resolve(Checkpoint.POINTER))) {
            throw new RunException(d + " already holds a run; use --resume " + d + " to continue it or another --out");
        }
        return new TrainingRun(model, options, d, 0, List.of(), null);
    }

    /**
     * Continues the run in {@code dir} from its last checkpoint with the model and options stored there; the data
     * is read from {@code dataDir} (null: the usual places), and {@code epochs} (null: as planned) extends a run.
     */
    public static TrainingRun resume(Path dir, Path dataDir, boolean download, Integer epochs) throws IOException {
        RunState st = Checkpoint.readState(dir);
        TrainOptions opt = st.options().withData(dataDir, download);
        if (epochs != null) opt = opt.withEpochs(epochs);
        if (st.epoch() >= opt.epochs()) {
            throw new RunException("the run in " + dir + " already finished its " + opt.epochs()
                    + " epochs; pass --epochs N to extend it");
        }
        return new TrainingRun(st.model(), opt, dir, st.epoch(), st.metrics(), st.partial());
    }

    /**
     * Trains as one rank of a data-parallel job (null: alone): rank 0 holds the run folder's lock, reads the
     * checkpoint and writes every file; all ranks read the data and the run's state.json (a shared file system,
     * as usual on clusters).
     */
    public TrainingRun dataParallel(DataParallel dp) {
        this.dataParallel = dp;
        return this;
    }

    /** {@code runs/<model>-<dataset>-<yyyyMMdd-HHmmss>}. */
    public static Path defaultDir(ModelConfig model, TrainOptions options) {
        return Path.of("runs", model.kind().cliName + "-" + options.dataset().cliName() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    public ModelConfig model() { return model; }

    public TrainOptions options() { return options; }

    public Path dir() { return dir; }

    /** Epochs already done (0 for a new run). */
    public int startEpoch() { return startEpoch; }

    /** The training, validation (null without --val-split) and test images of the run. */
    record Data(ImageDataset train, ImageDataset validation, ImageDataset test) { }

    Data loadData() {
        ImageDataset train = options.dataset().load(options.dataDir(), options.download(), true);
        ImageDataset test = options.dataset().load(options.dataDir(), options.download(), false);
        if (options.limitTrain() > 0) train = train.subset(options.limitTrain());
        if (options.limitTest() > 0) test = test.subset(options.limitTest());
        ImageDataset validation = null;
        if (options.valSplit() > 0) {
            if (options.valSplit() >= train.count()) {
                throw new IllegalArgumentException("--val-split " + options.valSplit() + " leaves no training images (the training split has "
                        + train.count() + ")");
            }
            validation = train.range(train.count() - options.valSplit(), train.count());
            train = train.range(0, train.count() - options.valSplit());
        }
        return new Data(train, validation, test);
    }

    /**
     * Trains on {@code be} until the planned epochs are done, or for {@code stopAfter} epochs of this call when
     * positive (a later {@link #resume} continues exactly), logging to {@code log}.
     */
    public Result train(Backend be, PrintStream log, boolean terminal, int stopAfter) throws IOException {
        return train(be, log, terminal, stopAfter, 0, 0, null);
    }

    /**
     * As {@link #train(Backend, PrintStream, boolean, int)}, with a checkpoint every {@code checkpointEvery} steps
     * inside an epoch (0: at epoch ends only), and a stop with a checkpoint after {@code stopAfterSteps} steps of this
     * call (0: none) or when {@code maxTime} is spent (null: no limit); {@link #resume} then continues in the middle of
     * the epoch and ends with the same weights as an uninterrupted run.
     */
    public Result train(Backend be, PrintStream log, boolean terminal, int stopAfter, int checkpointEvery,
                        long stopAfterSteps, Duration maxTime) throws IOException {
        if (stopAfter < 0) throw new IllegalArgumentException("--stop-after must be >= 0, got " + stopAfter);
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new RunException("the run folder " + dir + " is a file, not a folder");
        if (dataParallel != null && options.batchSize() < dataParallel.size()) {
            throw new IllegalArgumentException("--batch-size " + options.batchSize() + " is smaller than the " + dataParallel.size()
                    + " ranks: each rank needs at least one image of every batch");
        }
        Data data = loadData();
        if (dataParallel != null && !dataParallel.isRoot()) {
            // rank 0 alone owns the folder (lock, leftovers, files); the others only train
            try {
                return trainLocked(be, log, terminal, stopAfter, checkpointEvery, stopAfterSteps, maxTime, data);
            } catch (OutOfMemoryError e) {
                throw outOfMemory(e);
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new RunException("cannot create the run folder " + dir + ": " + reason(e), e);
        }
        if (!Files.isWritable(dir)) throw new RunException("cannot write into the run folder " + dir + " (permission denied)");
        try (RunLock lock = RunLock.acquire(dir)) {
            // checked again under the lock: another process may have started or advanced the run since start/resume
            if (startEpoch == 0 && partial == null && Files.exists(dir.resolve(Checkpoint.POINTER))) {
                throw new RunException(dir + " already holds a run; use --resume " + dir + " to continue it or another --out");
            }
            if (startEpoch > 0 || partial != null) {
                RunState now = Checkpoint.readState(dir);
                if (now.epoch() != startEpoch || !java.util.Objects.equals(now.partial(), partial)) {
                    throw new RunException("the run in " + dir + " moved on since it was read (another process trained it); resume it again");
                }
            }
            List<String> removed = Checkpoint.removeLeftovers(dir);
            if (!removed.isEmpty()) log.println("mgiad train: removed what an interrupted run left in " + dir + ": " + String.join(", ", removed));
            return trainLocked(be, log, terminal, stopAfter, checkpointEvery, stopAfterSteps, maxTime, data);
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e);
        } catch (dev.mgiad.datasets.DatasetException e) {
            if (e.getCause() instanceof OutOfMemoryError oom) throw outOfMemory(oom);
            throw e;
        }
    }

    private Result trainLocked(Backend be, PrintStream log, boolean terminal, int stopAfter, int checkpointEvery,
                               long stopAfterSteps, Duration maxTime, Data data) throws IOException {
        Model m = Models.build(model, be, options.seed());
        boolean root = dataParallel == null || dataParallel.isRoot();
        if (startEpoch > 0 || partial != null) {
            if (root) Checkpoint.load(dir, m.root(), be, true);
        } else {
            options.init().apply(m.root(), new SplittableRandom(options.seed()).split());
            if (options.zeroInitResidual()) ((ResNet) m).zeroInitResiduals();
        }
        // every rank starts from rank 0's weights, batch-norm buffers and momentum (read from the checkpoint on resume)
        if (dataParallel != null) dataParallel.broadcastState(m.root(), be, true);
        log.printf(Locale.ROOT, "mgiad train: %s on %s (%,d train%s / %,d test images), %,d weights, %.1f M multiply-adds per image, %s; run directory %s%n",
                model.kind().cliName, options.dataset().cliName(), data.train().count(),
                data.validation() == null ? "" : String.format(Locale.ROOT, " / %,d validation", data.validation().count()),
                data.test().count(), m.weightCount(), m.macs(options.dataset().inputHeight(options.padTo32()), options.dataset().inputWidth(options.padTo32())) / 1e6,
                be.name() + (dataParallel == null ? "" : "; " + dataParallel.describe()), dir);
        int end = stopAfter > 0 ? Math.min(options.epochs(), startEpoch + stopAfter) : options.epochs();
        Trainer t = new Trainer(m, be, options, dir, log, terminal)
                .limits(checkpointEvery, stopAfterSteps, maxTime).resumeInside(partial).dataParallel(dataParallel);
        if (partial != null) log.printf(Locale.ROOT, "continuing epoch %d at step %d%n", startEpoch + 1, partial.step());
        List<EpochMetrics> rows = t.run(data.train(), data.validation(), data.test(), startEpoch, previous, end);
        return new Result(dir, rows, t.stop());
    }

    /** What did not fit and what to change, instead of a stack trace; the checkpoint on disk is untouched. */
    private RunException outOfMemory(OutOfMemoryError e) {
        return new RunException(String.format(Locale.ROOT,
                "out of memory: training %s with batch size %d does not fit in the Java heap of %d MiB; use a smaller "
                        + "--batch-size, or give Java more memory (MGIAD_JVM_OPTS=-Xmx<size>)",
                model.kind().cliName, options.batchSize(), Runtime.getRuntime().maxMemory() >> 20), e);
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException f) return f.getFile() + " is a file";
        if (e instanceof java.nio.file.AccessDeniedException f) return "permission denied on " + f.getFile();
        return e.getMessage();
    }
}
