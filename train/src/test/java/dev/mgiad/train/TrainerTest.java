package dev.mgiad.train;

import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.datasets.ImageDataset;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training loop on a tiny synthetic data set: resume is exact, divergence stops cleanly. */
class TrainerTest {
    private static final ModelConfig TINY = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(1, 10)
            .withWidths(4, 8).withCk(4).withGs(2);

    /** 28x28 images whose class is visible in their mean brightness, so a network can learn it. */
    static ImageDataset synthetic(int n, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
            for (int p = 0; p < 784; p++) px[i * 784 + p] = (byte) Math.min(255, labels[i] * 20 + r.nextInt(60));
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < 10; c++) names.add("c" + c);
        return ImageDataset.of(1, 28, 28, px, labels, null, names, List.of());
    }

    static TrainOptions options(int epochs, float lr) {
        return new TrainOptions(DatasetKind.FASHION_MNIST, null, false, epochs, 16, lr, 0.9f, 1e-4f, false, "cosine", 0,
                25, 0.1f, 0f, 7, 0, 0, true, false, dev.mgiad.engine.nn.WeightInit.UNIFORM, false, 0);
    }


    private static float[][] weights(Model m, CpuBackend be) {
        List<float[]> l = new ArrayList<>();
        for (Parameter p : m.root().parameters()) l.add(be.download(p.value()));
        return l.toArray(new float[0][]);
    }

    @Test
    void oneEpochPlusOneResumedEqualsTwoEpochs(@TempDir Path tmp) throws Exception {
        ImageDataset train = synthetic(64, 1), test = synthetic(32, 2);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        float[][] straight, resumed;
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            new Trainer(m, be, options(2, 0.05f), tmp.resolve("a"), quiet, false)
                    .run(train, test, 0, List.of());
            straight = weights(m, be);
        }
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            new Trainer(m, be, options(2, 0.05f), tmp.resolve("b"), quiet, false)
                    .run(train, test, 0, List.of(), 1);
        }
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            RunState st = Checkpoint.readState(tmp.resolve("b"));
            assertEquals(1, st.epoch());
            Checkpoint.load(tmp.resolve("b"), m.root(), be, true);
            List<EpochMetrics> rows = new Trainer(m, be, options(2, 0.05f), tmp.resolve("b"),
                    quiet, false).run(train, test, 1, st.metrics());
            assertEquals(2, rows.size());
            resumed = weights(m, be);
        }
        for (int i = 0; i < straight.length; i++) assertArrayEquals(straight[i], resumed[i], "parameter " + i);
        String csv = Files.readString(tmp.resolve("b/metrics.csv"));
        assertEquals(3, csv.lines().count(), csv);
        assertTrue(Files.readString(tmp.resolve("b/curves.svg")).contains("<polyline"));
        try (var s = Files.list(tmp.resolve("b"))) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().startsWith("ckpt-")).count(), "old checkpoints are removed");
        }
    }

    /**
     * The fused training step (convolution + batch norm with statistics in the epilogue, batch norm's backward
     * reductions and ReLU masks in the epilogue of the input gradient that finishes their gradient, additions folded
     * into neighbouring passes) trains the same weights as the unfused graph, bit for bit: both compute the same
     * rows of sums in the same order. MGiaD and MGIC with channel transfers on every level, a batch that ends in a
     * partial block, several SGD steps (the loss must also fall, so the steps are not idle).
     */
    @Test
    void fusedAndUnfusedGraphsTrainTheSameWeights() {
        for (ModelConfig c : List.of(
                ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(3, 10).withWidths(8, 16).withCk(4).withGs(2),
                ModelConfig.defaults(ModelConfig.Kind.MGIC).withInput(3, 10).withWidths(8, 16).withGs(4))) {
            float[][] fused, unfused;
            double[][] losses = new double[2][];
            try (CpuBackend be = new CpuBackend(2)) {
                Model a = Models.build(c, be, 5), b = Models.build(c, be, 5);
                losses[0] = sgdSteps(a, be, true, 6);
                losses[1] = sgdSteps(b, be, false, 6);
                fused = weights(a, be);
                unfused = weights(b, be);
            }
            assertArrayEquals(losses[1], losses[0], c.kind() + ": losses, fused vs unfused");
            assertTrue(losses[0][5] < losses[0][0], c.kind() + ": the loss falls over the steps: " + java.util.Arrays.toString(losses[0]));
            for (int i = 0; i < fused.length; i++) assertArrayEquals(unfused[i], fused[i], c.kind() + ": parameter " + i + ", fused vs unfused");
        }
    }

    /** {@code steps} SGD steps on one fixed batch of 20 images (a full batch block and a partial one), the losses. */
    private static double[] sgdSteps(Model m, CpuBackend be, boolean fusion, int steps) {
        Random r = new Random(3);
        int n = 20, in = m.config().inChannels(), size = 12;
        float[] x = new float[n * in * size * size];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % 10;
        Graph g = new Graph(be);
        g.setFusion(fusion);
        var sgd = new dev.mgiad.engine.optim.Sgd(be, m.root().parameters(), 0.05f, 0.9f, 1e-4f, false);
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) {
            losses[s] = g.crossEntropy(m.forward(g, g.input(x, n, in, size, size)), labels, 0f).loss();
            g.backward();
            sgd.step();
            sgd.zeroGrad();
            g.reset();
        }
        return losses;
    }

    @Test
    void rankOfLabelCountsStrictlyLargerLogits() {
        float[] z = {9, 0.5f, 3, 3, -1, 7, 2, 8, 3, 1,   /* second sample: */ 1, 1, 1};
        assertEquals(0, Trainer.rankOfLabel(z, 0, 10, 0));
        assertEquals(2, Trainer.rankOfLabel(z, 0, 10, 5), "9 and 8 are larger than 7");
        assertEquals(3, Trainer.rankOfLabel(z, 0, 10, 2), "ties with the other 3s do not count against the label");
        assertEquals(8, Trainer.rankOfLabel(z, 0, 10, 1));
        assertEquals(0, Trainer.rankOfLabel(z, 10, 3, 2), "offsets select the sample's row");
    }

    @Test
    void evaluationTop5AndConfusionAgreeWithTop1() {
        ImageDataset test = synthetic(48, 3);
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            Trainer t = new Trainer(m, be, options(1, 0.05f), null,
                    new PrintStream(new ByteArrayOutputStream()), false);
            Trainer.Evaluation ev = t.evaluate(new Graph(be), test, dev.mgiad.datasets.Transform.standard(DatasetKind.FASHION_MNIST, false, true));
            assertEquals(48, ev.count());
            long diag = 0, all = 0;
            for (int r = 0; r < ev.confusion().length; r++) {
                for (int c = 0; c < ev.confusion().length; c++) all += ev.confusion()[r][c];
                diag += ev.confusion()[r][r];
            }
            assertEquals(48, all);
            assertEquals(ev.accuracy(), (double) diag / 48, 1e-12);
            assertTrue(ev.top5Accuracy() >= ev.accuracy() && ev.top5Accuracy() <= 1, ev.top5Accuracy() + " vs " + ev.accuracy());
        }
    }

    @Test
    void divergenceStopsWithAClearMessageAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        ImageDataset train = synthetic(64, 1), test = synthetic(16, 2);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            Trainer t = new Trainer(m, be, options(3, 0.05f), tmp, quiet, false);
            t.run(train, test, 0, List.of(), 1);
            String before = Files.readString(tmp.resolve("checkpoint.json"));
            byte[] weightsBefore = Files.readAllBytes(Checkpoint.latest(tmp).resolve("model.safetensors"));
            for (Parameter p : m.root().parameters()) {
                float[] v = be.download(p.value());
                v[0] = Float.NaN;
                be.upload(v, p.value());
            }
            var e = assertThrows(Trainer.DivergedException.class, () -> t.run(train, test, 1, List.of()));
            assertTrue(e.getMessage().contains("diverged") && e.getMessage().contains("last good checkpoint"), e.getMessage());
            assertEquals(before, Files.readString(tmp.resolve("checkpoint.json")));
            assertArrayEquals(weightsBefore, Files.readAllBytes(Checkpoint.latest(tmp).resolve("model.safetensors")));
        }
    }

    @Test
    void divergenceInTheFirstEpochDoesNotPromiseACheckpoint(@TempDir Path tmp) throws Exception {
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 7);
            for (Parameter p : m.root().parameters()) {
                float[] v = be.download(p.value());
                v[0] = Float.NaN;
                be.upload(v, p.value());
            }
            Trainer t = new Trainer(m, be, options(2, 0.05f), tmp, new PrintStream(new ByteArrayOutputStream()), false);
            var e = assertThrows(Trainer.DivergedException.class, () -> t.run(synthetic(32, 1), synthetic(16, 2), 0, List.of()));
            assertTrue(e.getMessage().contains("no checkpoint was written") && !e.getMessage().contains("is kept"), e.getMessage());
        }
    }

    @Test
    void checkpointRoundTripsModelAndOptimizer(@TempDir Path tmp) throws Exception {
        try (CpuBackend be = new CpuBackend(1)) {
            Model a = Models.build(TINY, be, 1), b = Models.build(TINY, be, 2);
            for (Parameter p : a.root().parameters()) p.velocity(be);
            RunState state = new RunState(5, TINY, options(7, 0.05f), List.of(new EpochMetrics(1, 0.05, 1.2, 0.6, 1.0, 0.65, 10, 100)));
            Checkpoint.save(tmp, a.root(), be, state);
            Checkpoint.load(tmp, b.root(), be, true);
            float[][] wa = weights(a, be), wb = weights(b, be);
            for (int i = 0; i < wa.length; i++) assertArrayEquals(wa[i], wb[i]);
            var names = SafeTensors.read(Checkpoint.latest(tmp).resolve("model.safetensors")).tensors().keySet();
            assertTrue(names.containsAll(a.root().namedParameters().keySet()), "weight file uses the parameter names");
            RunState back = Checkpoint.readState(tmp);
            assertEquals(state.epoch(), back.epoch());
            assertEquals(TINY, back.model());
            assertEquals(state.options(), back.options(), "the options round-trip (the data folder is not stored)");
            assertEquals(state.metrics(), back.metrics());
            Model other = Models.build(TINY.withWidths(4, 16), be, 1);
            var e = assertThrows(java.io.IOException.class, () -> Checkpoint.load(tmp, other.root(), be, false));
            assertTrue(e.getMessage().contains("shape") || e.getMessage().contains("missing"), e.getMessage());
        }
    }
}
