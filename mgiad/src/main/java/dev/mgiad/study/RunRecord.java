package dev.mgiad.study;

import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.EpochMetrics;
import dev.mgiad.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a run folder holds, read through the training package's own checkpoint API: the epochs its latest
 * checkpoint completed, the epochs it was planned for, and the metrics of every completed epoch. A folder
 * without a checkpoint is an empty record (nothing finished yet); an unreadable one gives a one-line problem.
 *
 * @param epochsDone    epochs in the latest complete checkpoint (0 when there is none)
 * @param epochsPlanned the run's --epochs as its checkpoint records it (0 when there is no checkpoint)
 * @param metrics       one row per completed epoch, as of the latest checkpoint
 */
public record RunRecord(int epochsDone, int epochsPlanned, List<EpochMetrics> metrics) {

    public static final RunRecord EMPTY = new RunRecord(0, 0, List.of());

    public static RunRecord read(Path dir) throws IOException {
        if (!Files.exists(dir.resolve(Checkpoint.POINTER))) return EMPTY;
        Checkpoint.State st = Checkpoint.readState(dir);
        int planned = st.state().get("options") instanceof Map<?, ?> o && o.get("epochs") instanceof Number n ? n.intValue() : 0;
        return new RunRecord(st.epoch(), planned, Trainer.metricsFromState(st.state()));
    }

    public boolean started() { return epochsDone > 0; }

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
