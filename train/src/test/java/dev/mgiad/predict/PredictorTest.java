package dev.mgiad.predict;

import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.datasets.ImageFiles;
import dev.mgiad.datasets.Transform;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.RunState;
import dev.mgiad.train.TrainOptions;
import dev.mgiad.engine.nn.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Predictor against the training layout's evaluation of the same checkpoint, on generated images. */
class PredictorTest {
    @TempDir Path tmp;

    /** A tiny CIFAR-10 MGiaD saved as a run directory, with random batch-norm statistics. */
    static Path tinyRun(Path dir, DatasetKind dataset, int channels) throws IOException {
        ModelConfig config = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withWidths(8, 16).withCk(4).withGs(2).withInput(channels, 10);
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(config, be, 3);
            randomiseNorms(m.root(), be, new SplittableRandom(4));
            TrainOptions options = new TrainOptions(dataset, null, false, 1, 16, 0.05f, 0.9f, 1e-4f, false, "cosine", 0,
                    25, 0.1f, 0f, 7, 0, 0, true, false, WeightInit.UNIFORM, false, 0);
            Checkpoint.save(dir, m.root(), be, new RunState(1, config, options, List.of()));
        }
        return dir;
    }

    static void randomiseNorms(Module root, CpuBackend be, SplittableRandom rng) {
        root.namedBuffers().forEach((name, b) -> {
            float[] v = new float[(int) b.value().shape().elements()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (name.endsWith("running_var") ? 0.5 + rng.nextDouble() : rng.nextDouble() - 0.5);
            be.upload(v, b.value());
        });
    }

    static List<Path> images(Path dir, int count, int w, int h) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(count);
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rng.nextInt(1 << 24));
            Path f = dir.resolve("img" + i + ".png");
            ImageIO.write(img, "png", f.toFile());
            out.add(f);
        }
        return out;
    }

    /** Probabilities by the training path: ImageFiles, the test transform, the graph in evaluation mode, softmax. */
    static float[][] expected(Path run, List<Path> files) throws IOException {
        ModelConfig config = Checkpoint.readState(run).model();
        Transform t = Transform.standard(DatasetKind.CIFAR10, false, true);
        float[] x = new float[files.size() * 3 * 32 * 32];
        for (int i = 0; i < files.size(); i++) t.apply(ImageFiles.readPlanar(files.get(i), 3, 32, 32), 0, x, i * 3072, 0L);
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(config, be, 0);
            Checkpoint.load(run, m.root(), be, false);
            Graph g = new Graph(be);
            g.setTraining(false);
            float[] z = be.download(m.forward(g, g.input(x, files.size(), 3, 32, 32)).value());
            float[][] p = new float[files.size()][];
            for (int i = 0; i < p.length; i++) p[i] = Prediction.softmax(z, i * 10, 10);
            return p;
        }
    }

    @Test
    void predictionsMatchTheEvaluationPathForOneAndSeventeenImages() throws Exception {
        Path run = tinyRun(tmp.resolve("run"), DatasetKind.CIFAR10, 3);
        List<Path> files = images(tmp.resolve("img"), 17, 32, 32);
        float[][] expect = expected(run, files);
        try (Predictor p = Predictor.builder(run).threads(2).build()) {
            assertEquals(DatasetKind.CIFAR10.defaultClassNames(), p.classNames());
            assertEquals(1, p.epoch());
            Prediction one = p.predict(files.get(5));
            assertClose("1 image (pixel-vectorised path)", expect[5], one.probabilities(), 1e-4, 1e-6);
            List<Prediction> all = p.predict(files); // 16 batched + 1 on the small-batch path
            for (int i = 0; i < 17; i++) {
                assertClose("image " + i + " of 17", expect[i], all.get(i).probabilities(), 1e-4, 1e-6);
                assertEquals(files.get(i).toString(), all.get(i).source());
            }
            Prediction.Scored best = one.best();
            for (int c = 0; c < 10; c++) assertTrue(one.probability(c) <= best.probability());
            assertEquals(3, one.top(3).size());
            assertTrue(one.top(3).get(1).probability() >= one.top(3).get(2).probability());
            double sum = 0;
            for (float v : one.probabilities()) sum += v;
            assertEquals(1.0, sum, 1e-5);
        }
    }

    @Test
    void concurrentCallersGetTheSameAnswers() throws Exception {
        Path run = tinyRun(tmp.resolve("run"), DatasetKind.CIFAR10, 3);
        List<Path> files = images(tmp.resolve("img"), 20, 40, 30); // not 32x32: cropped and resized
        try (Predictor p = Predictor.builder(run).threads(2).build(); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Prediction> seq = p.predict(files);
            List<Future<List<Prediction>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int from = t;
                futures.add(pool.submit(() -> {
                    List<Prediction> got = new ArrayList<>();
                    for (int r = 0; r < 3; r++) got = from % 2 == 0 ? p.predict(files) : files.stream().map(p::predict).toList();
                    return got;
                }));
            }
            for (Future<List<Prediction>> f : futures) {
                List<Prediction> got = f.get();
                for (int i = 0; i < files.size(); i++) {
                    assertClose("image " + i, seq.get(i).probabilities(), got.get(i).probabilities(), 1e-4, 1e-6);
                }
            }
        }
    }

    @Test
    void greyRunsTakeColourImagesAndBadFilesAreNamed() throws Exception {
        Path run = tinyRun(tmp.resolve("grey"), DatasetKind.FASHION_MNIST, 1);
        List<Path> files = images(tmp.resolve("img"), 2, 28, 28);
        try (Predictor p = Predictor.load(run)) {
            assertArrayEquals(new int[] {1, 32, 32}, p.inputShape(), "28x28 padded to 32 as the run was");
            assertEquals("Ankle boot", p.classNames().get(9));
            assertEquals(2, p.predict(files).size());
            Path bad = tmp.resolve("bad.jpg");
            Files.writeString(bad, "no");
            var e = assertThrows(RuntimeException.class, () -> p.predict(List.of(files.get(0), bad)));
            assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        }
        var e = assertThrows(IOException.class, () -> Predictor.load(tmp.resolve("nothing")));
        assertTrue(e.getMessage().contains("no checkpoint in"), e.getMessage());
    }
}
