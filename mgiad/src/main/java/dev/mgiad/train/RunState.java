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
 */
public record RunState(int epoch, ModelConfig model, TrainOptions options, List<EpochMetrics> metrics) {
    public static final String FILE = "state.json";

    public RunState {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        metrics = List.copyOf(metrics);
    }

    /** The JSON object of state.json. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", ModelConfigJson.write(model));
        m.put("options", options.json());
        m.put("metrics", metrics.stream().map(EpochMetrics::json).toList());
        m.put("epoch", (long) epoch);
        return m;
    }

    /** Parses a state.json document already read; errors name the key. */
    public static RunState fromJson(Object parsed) {
        JsonObject o = JsonObject.of(parsed, "the document");
        List<EpochMetrics> rows = o.has("metrics") ? o.objects("metrics").stream().map(EpochMetrics::fromJson).toList()
                : List.of();
        int epoch = o.int32("epoch");
        if (epoch < 0) throw new IllegalArgumentException("'epoch' must be >= 0, got " + epoch);
        return new RunState(epoch, ModelConfigJson.read(o.object("model")), TrainOptions.fromJson(o.object("options")), rows);
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
