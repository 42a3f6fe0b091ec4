package dev.mgiad.train;

import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.nn.WeightInit;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints inside an epoch: stopping after N steps and resuming gives, bit for bit with one thread, the weights
 * and training metrics of an uninterrupted run, across an epoch boundary and with periodic checkpoints on the way.
 */
class MidEpochResumeTest {
    private static final ModelConfig TINY = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(1, 10)
            .withWidths(4, 8).withCk(4).withGs(2);
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    /** 64 images, batch 16: 4 steps per epoch, 2 epochs; augmentation on, so the loader's start step matters. */
    private static TrainOptions options() {
        return new TrainOptions(DatasetKind.FASHION_MNIST, null, false, 2, 16, 0.05f, 0.9f, 1e-4f, true, "cosine", 0.5,
                25, 0.1f, 0.1f, 11, 0, 0, true, true, WeightInit.HE, false, 0);
    }

    private static float[][] weights(Model m, CpuBackend be) {
        List<float[]> l = new ArrayList<>();
        for (Parameter p : m.root().parameters()) l.add(be.download(p.value()));
        for (var b : m.root().namedBuffers().values()) l.add(be.download(b.value()));
        return l.toArray(new float[0][]);
    }

    /** One invocation: a fresh process's worth of state (new backend, model restored from the run folder). */
    private static Trainer.Stop invocation(Path dir, ImageDataset train, ImageDataset test, int every, int steps,
                                           float[][][] weightsOut) throws Exception {
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            int start = 0;
            List<EpochMetrics> previous = List.of();
            RunState.Partial partial = null;
            if (Files.exists(dir.resolve(Checkpoint.POINTER))) {
                RunState st = Checkpoint.readState(dir);
                Checkpoint.load(dir, m.root(), be, true);
                start = st.epoch();
                previous = st.metrics();
                partial = st.partial();
            } else {
                options().init().apply(m.root(), new java.util.SplittableRandom(11).split());
            }
            Trainer t = new Trainer(m, be, options(), dir, QUIET, false).limits(every, steps, null).resumeInside(partial);
            t.run(train, null, test, start, previous, 2);
            weightsOut[0] = weights(m, be);
            return t.stop();
        }
    }

    @Test
    void stepsPlusResumeEqualAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        ImageDataset train = TrainerTest.synthetic(64, 1), test = TrainerTest.synthetic(32, 2);
        float[][][] straight = new float[1][][], resumed = new float[1][][];
        assertNull(invocation(tmp.resolve("a"), train, test, 0, 0, straight));

        Path b = tmp.resolve("b");
        Trainer.Stop s1 = invocation(b, train, test, 0, 3, resumed);
        assertEquals(new Trainer.Stop(0, 3, "--stop-after-steps"), s1);
        RunState st = Checkpoint.readState(b);
        assertEquals(0, st.epoch());
        assertEquals(3, st.partial().step());
        assertEquals(48, st.partial().seen());
        assertEquals("ckpt-0000-step000003", Checkpoint.latest(b).getFileName().toString());
        assertTrue(st.metrics().isEmpty());

        // step 4 ends epoch 1, then 2 steps of epoch 2 with a periodic checkpoint at its step 2, stop after 3 steps
        Trainer.Stop s2 = invocation(b, train, test, 2, 3, resumed);
        assertEquals(new Trainer.Stop(1, 2, "--stop-after-steps"), s2);
        st = Checkpoint.readState(b);
        assertEquals(1, st.epoch());
        assertEquals(1, st.metrics().size());
        try (var l = Files.list(b)) {
            assertEquals(1, l.filter(p -> p.getFileName().toString().startsWith("ckpt-")).count(), "one checkpoint folder");
        }
        assertNull(invocation(b, train, test, 2, 0, resumed));
        assertNull(Checkpoint.readState(b).partial());

        for (int i = 0; i < straight[0].length; i++) assertArrayEquals(straight[0][i], resumed[0][i], "tensor " + i);
        List<EpochMetrics> ma = Checkpoint.readState(tmp.resolve("a")).metrics(), mb = Checkpoint.readState(b).metrics();
        assertEquals(2, mb.size());
        for (int e = 0; e < 2; e++) {
            assertEquals(ma.get(e).trainLoss(), mb.get(e).trainLoss(), 0.0, "train loss of epoch " + (e + 1));
            assertEquals(ma.get(e).trainAccuracy(), mb.get(e).trainAccuracy(), 0.0);
            assertEquals(ma.get(e).testLoss(), mb.get(e).testLoss(), 0.0);
        }
    }

    @Test
    void aSpentTimeBudgetStopsWithACheckpoint(@TempDir Path tmp) throws Exception {
        ImageDataset train = TrainerTest.synthetic(64, 1), test = TrainerTest.synthetic(32, 2);
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            Trainer t = new Trainer(m, be, options(), tmp, QUIET, false).limits(0, 0, Duration.ofNanos(1));
            t.run(train, null, test, 0, List.of(), 2);
            assertEquals(new Trainer.Stop(0, 1, "--max-time"), t.stop(), "the budget is checked after every step");
            assertNotNull(Checkpoint.readState(tmp).partial());
            assertThrows(IllegalArgumentException.class, () -> t.limits(-1, 0, null));
            assertThrows(IllegalArgumentException.class, () -> t.limits(0, 0, Duration.ZERO));
        }
    }
}
