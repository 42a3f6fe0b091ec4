package dev.mgiad.study;

import dev.mgiad.train.AtomicFiles;
import dev.mgiad.train.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a study: a configuration with one seed, in its own folder {@code STUDY/<config>-seed<seed>}.
 *
 * @param config     the configuration
 * @param seed       the seed
 * @param dir        the run folder
 * @param epochs     the epochs the configuration asks for (train's default when it sets none)
 * @param freshArgs  train arguments of a first start: the configuration's flags, --seed and --out
 * @param resumeArgs train arguments that continue the run from its checkpoint: --resume and the flags train
 *                   accepts next to it (data location, device, --epochs); the rest comes from the checkpoint
 * @param identity   the flags that define the run (everything train fixes on resume), recorded in the folder's
 *                   {@value #MARKER} so that a study file edited under an existing folder is noticed
 * @param family     the model family, for the table and the figure (ResNet, MgNet, MGIC, MGiaD)
 * @param weights    learnable weights of the model
 * @param macs       forward multiply-adds per image at the run's input size
 */
public record StudyRun(StudyFile.Config config, long seed, Path dir, int epochs, List<String> freshArgs,
                       List<String> resumeArgs, List<String> identity, String family, long weights, long macs) {

    /** The study's note in a run folder: which configuration and seed it is, and the flags that define it. */
    public static final String MARKER = "study-run.json";

    public String name() { return folderName(config.name(), seed); }

    public static String folderName(String config, long seed) { return config + "-seed" + seed; }

    /** Where a run stands before the study touches it. */
    public enum Status { NEW, PARTIAL, FINISHED, CONFLICT }

    /**
     * The run's status and, for a conflict or an unreadable checkpoint, the reason.
     *
     * @param record what the folder holds
     */
    public record State(Status status, RunRecord record, String problem) { }

    public State state() {
        try {
            String conflict = conflict();
            if (conflict != null) return new State(Status.CONFLICT, RunRecord.EMPTY, conflict);
            RunRecord r = RunRecord.read(dir);
            if (!r.started()) return new State(Status.NEW, r, null);
            return new State(r.epochsDone() >= epochs ? Status.FINISHED : Status.PARTIAL, r, null);
        } catch (IOException | RuntimeException e) {
            return new State(Status.CONFLICT, RunRecord.EMPTY, "cannot read " + dir + ": " + e.getMessage());
        }
    }

    /** Writes the folder's {@value #MARKER} (atomically); done before a run starts, locally or on Slurm. */
    public void writeMarker(String study) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(MARKER), markerJson(study) + "\n");
    }

    /** The content of {@value #MARKER}: study, configuration, seed and the defining flags. */
    public String markerJson(String study) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("study", study);
        m.put("config", config.name());
        m.put("seed", seed);
        m.put("flags", new ArrayList<Object>(identity));
        return Json.write(m);
    }

    /** Why the folder belongs to another configuration, or null when it is this run's (or new). */
    private String conflict() throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) return null;
        Object o;
        try {
            o = Json.parse(Files.readString(marker));
        } catch (IllegalArgumentException e) {
            return marker + " is corrupt (" + e.getMessage() + "); remove the folder to rerun it";
        }
        if (!(o instanceof Map<?, ?> m) || !(m.get("flags") instanceof List<?> flags)) return marker + " lacks 'flags'; remove the folder to rerun it";
        if (!flags.equals(identity)) {
            return dir + " was started with other flags (" + String.join(" ", flags.stream().map(String::valueOf).toList())
                    + "); the study file now says " + String.join(" ", identity)
                    + ". Rename the configuration or remove the folder";
        }
        return null;
    }
}
