package dev.mgiad.study;

import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.EpochMetrics;
import dev.mgiad.train.RunState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a run folder holds, read through the training package's typed run state ({@link RunState} of the latest
 * checkpoint): the epochs it completed, the epochs it was planned for, and the metrics of every completed epoch.
 * A folder without a checkpoint is the empty record (nothing to resume); an unreadable one is an IOException
 * or a {@code RunException} with a one-line message.
 *
 * @param started       whether the folder holds a checkpoint (possibly taken inside the first epoch)
 * @param epochsDone    epochs the latest checkpoint completed (0 when there is none)
 * @param epochsPlanned the run's --epochs as its checkpoint records it (0 when there is no checkpoint)
 * @param metrics       one row per completed epoch, as of the latest checkpoint
 */
public record RunRecord(boolean started, int epochsDone, int epochsPlanned, List<EpochMetrics> metrics) {

    public static final RunRecord EMPTY = new RunRecord(false, 0, 0, List.of());

    public static RunRecord read(Path dir) throws IOException {
        if (!Files.exists(dir.resolve(Checkpoint.POINTER))) return EMPTY;
        RunState st = Checkpoint.readState(dir);
        return new RunRecord(true, st.epoch(), st.options().epochs(), st.metrics());
    }

    public EpochMetrics last() { return metrics.isEmpty() ? null : metrics.getLast(); }

    public double bestTestAccuracy() {
        return metrics.stream().mapToDouble(EpochMetrics::testAccuracy).max().orElse(Double.NaN);
    }

    /** Wall-clock seconds of all completed epochs (training and evaluation). */
    public double seconds() { return metrics.stream().mapToDouble(EpochMetrics::seconds).sum(); }

    /**
     * Training throughput: the median of the per-epoch images/s, so one slow epoch (the JIT's first, or a
     * neighbour's burst on a shared machine) does not set the number.
     */
    public double imagesPerSecond() {
        double[] v = metrics.stream().mapToDouble(EpochMetrics::imagesPerSecond).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
