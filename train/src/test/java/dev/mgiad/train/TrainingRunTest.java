package dev.mgiad.train;

import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.WeightInit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run started and resumed from Java, without the command line (skipped where shared/data is absent). */
class TrainingRunTest {

    static Path sharedData() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("shared/data");
            if (Files.isDirectory(d.resolve("fashion-mnist"))) return d;
        }
        return null;
    }

    @Test
    void startStopAndResumeFromJava(@TempDir Path tmp) throws Exception {
        Path data = sharedData();
        Assumptions.assumeTrue(data != null, "shared/data/fashion-mnist not found next to the repository");
        TrainOptions opt = new TrainOptions(DatasetKind.FASHION_MNIST, data, false, 2, 64, 0.05f, 0.9f, 1e-4f, false,
                "cosine", 0, 25, 0.1f, 0f, 3, 128, 64, true, false, WeightInit.UNIFORM, false, 0);
        Path dir = tmp.resolve("run");
        PrintStream log = new PrintStream(new ByteArrayOutputStream());
        TrainingRun run = TrainingRun.start(RunStateTest.TINY, opt, dir);
        try (CpuBackend be = new CpuBackend(1)) {
            TrainingRun.Result r = run.train(be, log, false, 1);
            assertEquals(1, r.metrics().size());
            assertEquals(dir, r.dir());
        }
        RunState st = Checkpoint.readState(dir);
        assertEquals(1, st.epoch());
        assertEquals(opt.withData(null, false), st.options(), "the stored options are the run's, without the data folder");
        assertTrue(assertThrows(RunException.class, () -> TrainingRun.start(RunStateTest.TINY, opt, dir)).getMessage()
                .contains("already holds a run"));
        TrainingRun resumed = TrainingRun.resume(dir, data, false, null);
        assertEquals(1, resumed.startEpoch());
        try (CpuBackend be = new CpuBackend(1)) {
            TrainingRun.Result r = resumed.train(be, log, false, 0);
            assertEquals(2, r.metrics().size());
            assertEquals(2, r.last().epoch());
        }
        var done = assertThrows(RunException.class, () -> TrainingRun.resume(dir, data, false, null));
        assertTrue(done.getMessage().contains("already finished its 2 epochs"), done.getMessage());
        assertEquals(2, TrainingRun.resume(dir, data, false, 3).startEpoch(), "--epochs extends a finished run");
    }
}
