package dev.mgiad.train;

import dev.mgiad.model.ModelConfig;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint knows about its run besides the tensors: the epochs done, the model, the training options and
 * the metrics of every epoch so far. Written as the checkpoint's state.json and read back by resume, eval and any
 * Java caller through one JSON round trip ({@link #json()} / {@link #read}).
 *
 * @param epoch   epochs completed (the checkpoint's weights are those after this epoch)
 * @param model   the architecture, to rebuild exactly the trained model
 * @param options the training options; {@link TrainOptions#dataDir()} is not stored (null when read back)
 * @param metrics one row per completed epoch (for a best-validation checkpoint: the row of its epoch)
 * @param partial for a checkpoint taken inside epoch {@code epoch + 1} ({@code --checkpoint-every},
 *                {@code --max-time}): the steps done in it and the running sums of its training metrics; null at an
 *                epoch boundary
 */
public record RunState(int epoch, ModelConfig model, TrainOptions options, List<EpochMetrics> metrics, Partial partial) {
    public static final String FILE = "state.json";

    /**
     * How far a checkpoint is into its epoch: {@code step} batches done (the batch loader resumes at that batch, and
     * all randomness derives from seed, epoch and sample index, so the rest of the epoch is the same), the sums of the
     * training loss and hits so far, and the seconds spent, so the epoch's metrics row comes out as if uninterrupted.
     */
    public record Partial(int step, double lossSum, long correct, long seen, double seconds) {
        public Partial {
            if (step < 1 || correct < 0 || seen < 0 || correct > seen) {
                throw new IllegalArgumentException("bad partial epoch: step " + step + ", " + correct + " of " + seen + " correct");
            }
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", (long) step);
            m.put("loss_sum", lossSum);
            m.put("correct", correct);
            m.put("seen", seen);
            m.put("seconds", seconds);
            return m;
        }

        static Partial fromJson(JsonObject o) {
            return new Partial(o.int32("step"), o.number("loss_sum"), o.integer("correct"), o.integer("seen"), o.number("seconds"));
        }
    }

    public RunState {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        metrics = List.copyOf(metrics);
    }

    /** The state at the end of epoch {@code epoch}. */
    public RunState(int epoch, ModelConfig model, TrainOptions options, List<EpochMetrics> metrics) {
        this(epoch, model, options, metrics, null);
    }

    /** Whether the checkpoint was taken inside an epoch. */
    public boolean midEpoch() { return partial != null; }

    /** The JSON object of state.json. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", ModelConfigJson.write(model));
        m.put("options", options.json());
        m.put("metrics", metrics.stream().map(EpochMetrics::json).toList());
        m.put("epoch", (long) epoch);
        if (partial != null) m.put("partial", partial.json());
        return m;
    }

    /** Parses a state.json document already read; errors name the key. */
    public static RunState fromJson(Object parsed) {
        JsonObject o = JsonObject.of(parsed, "the document");
        List<EpochMetrics> rows = o.has("metrics") ? o.objects("metrics").stream().map(EpochMetrics::fromJson).toList()
                : List.of();
        int epoch = o.int32("epoch");
        if (epoch < 0) throw new IllegalArgumentException("'epoch' must be >= 0, got " + epoch);
        Partial partial = o.has("partial") ? Partial.fromJson(o.object("partial")) : null;
        return new RunState(epoch, ModelConfigJson.read(o.object("model")), TrainOptions.fromJson(o.object("options")), rows,
                partial);
    }

    /** Reads a state.json file; a missing, oversized, malformed or incomplete one is a {@link RunException} naming it. */
    public static RunState read(Path file) throws IOException {
        try {
            return fromJson(Json.readFile(file));
        } catch (NoSuchFileException e) {
            throw new RunException(file + " is missing: the checkpoint folder is incomplete");
        } catch (IllegalArgumentException | dev.mgiad.datasets.DatasetException e) {
            throw new RunException(file + ": " + e.getMessage(), e);
        }
    }
}
