package dev.mgiad.train;

import dev.mgiad.datasets.DataSpec;
import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.engine.nn.WeightInit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training options of {@code mgiad train}, with the paper's defaults where it has them (SGD, cosine, 0.05).
 *
 * @param dataset a built-in data set or an image folder, with its size, classes and normalisation
 */
public record TrainOptions(DataSpec dataset, Path dataDir, boolean download, int epochs, int batchSize, float lr,
                           float momentum, float weightDecay, boolean nesterov, String schedule, double warmupEpochs,
                           int stepEvery, float stepGamma, float labelSmoothing, long seed, int limitTrain,
                           int limitTest, boolean padTo32, boolean augment, WeightInit init,
                           boolean zeroInitResidual, int valSplit) {

    /** Largest batch accepted: far beyond any that fits in memory, small enough for every size computation. */
    public static final int MAX_BATCH = 1 << 20;

    public TrainOptions {
        java.util.Objects.requireNonNull(dataset, "dataset");
        java.util.Objects.requireNonNull(init, "init");
        FlagChecks.atLeast("--epochs", epochs, 1);
        FlagChecks.between("--batch-size", batchSize, 1, MAX_BATCH);
        FlagChecks.atLeast("--lr", lr, 0, true);
        FlagChecks.between("--momentum", momentum, 0, 1, false, true);
        FlagChecks.atLeast("--wd", weightDecay, 0, false);
        FlagChecks.between("--label-smoothing", labelSmoothing, 0, 1, false, true);
        if (!schedule.equals("cosine") && !schedule.equals("step")) throw new IllegalArgumentException("--schedule must be cosine or step, got " + schedule);
        FlagChecks.between("--warmup", warmupEpochs, 0, epochs, false, false);
        FlagChecks.atLeast("--step-every", stepEvery, 1);
        FlagChecks.between("--gamma", stepGamma, 0, 1, true, false);
        FlagChecks.atLeast("--limit-train", limitTrain, 0);
        FlagChecks.atLeast("--limit-test", limitTest, 0);
        FlagChecks.atLeast("--val-split", valSplit, 0);
    }

    /** Options for a built-in data set. */
    public TrainOptions(DatasetKind dataset, Path dataDir, boolean download, int epochs, int batchSize, float lr,
                        float momentum, float weightDecay, boolean nesterov, String schedule, double warmupEpochs,
                        int stepEvery, float stepGamma, float labelSmoothing, long seed, int limitTrain,
                        int limitTest, boolean padTo32, boolean augment, WeightInit init,
                        boolean zeroInitResidual, int valSplit) {
        this(DataSpec.builtin(dataset), dataDir, download, epochs, batchSize, lr, momentum, weightDecay, nesterov, schedule,
                warmupEpochs, stepEvery, stepGamma, labelSmoothing, seed, limitTrain, limitTest, padTo32, augment, init,
                zeroInitResidual, valSplit);
    }

    /** The same options reading the data from {@code dir} (a resumed run finds its data where this machine has it). */
    public TrainOptions withData(Path dir, boolean download) {
        return new TrainOptions(dataset, dir, download, epochs, batchSize, lr, momentum, weightDecay, nesterov, schedule,
                warmupEpochs, stepEvery, stepGamma, labelSmoothing, seed, limitTrain, limitTest, padTo32, augment, init,
                zeroInitResidual, valSplit);
    }

    /** The same options planned for {@code n} epochs (extending a finished run). */
    public TrainOptions withEpochs(int n) {
        return new TrainOptions(dataset, dataDir, download, n, batchSize, lr, momentum, weightDecay, nesterov, schedule,
                warmupEpochs, stepEvery, stepGamma, labelSmoothing, seed, limitTrain, limitTest, padTo32, augment, init,
                zeroInitResidual, valSplit);
    }

    /**
     * The options a checkpoint stored ({@link #json}); where the data lives is not part of them (null, no download).
     * Keys added after the first release (init, zero_init_residual, val_split) default to their old behaviour.
     */
    public static TrainOptions fromJson(JsonObject o) {
        return new TrainOptions(DataSpecJson.read(o), null, false, o.int32("epochs"),
                o.int32("batch_size"), (float) o.number("lr"), (float) o.number("momentum"),
                (float) o.number("weight_decay"), o.bool("nesterov"), o.string("schedule"), o.number("warmup"),
                o.int32("step_every"), (float) o.number("step_gamma"), (float) o.number("label_smoothing"),
                o.integer("seed"), o.int32("limit_train"), o.int32("limit_test"), o.bool("pad_to_32"), o.bool("augment"),
                WeightInit.fromCliName(o.string("init", "uniform")), o.bool("zero_init_residual", false),
                o.int32("val_split", 0));
    }

    /** The options as stored in state.json and metrics.json (without the data location). */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        DataSpecJson.write(dataset, m);
        m.put("epochs", (long) epochs);
        m.put("batch_size", (long) batchSize);
        m.put("lr", (double) lr);
        m.put("momentum", (double) momentum);
        m.put("weight_decay", (double) weightDecay);
        m.put("nesterov", nesterov);
        m.put("schedule", schedule);
        m.put("warmup", warmupEpochs);
        m.put("step_every", (long) stepEvery);
        m.put("step_gamma", (double) stepGamma);
        m.put("label_smoothing", (double) labelSmoothing);
        m.put("seed", seed);
        m.put("limit_train", (long) limitTrain);
        m.put("limit_test", (long) limitTest);
        m.put("pad_to_32", padTo32);
        m.put("augment", augment);
        m.put("init", init.cliName);
        m.put("zero_init_residual", zeroInitResidual);
        m.put("val_split", (long) valSplit);
        return m;
    }
}
