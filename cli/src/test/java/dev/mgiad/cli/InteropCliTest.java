package dev.mgiad.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.WeightInit;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.RunState;
import dev.mgiad.train.SafeTensors;
import dev.mgiad.train.TrainOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mgiad export --onnx} and {@code mgiad eval --dump-logits} on a saved run. */
class InteropCliTest {
    private static final ModelConfig TINY = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(1, 10)
            .withWidths(4, 8).withCk(4).withGs(2);

    private static ParamsCommandTest.Result run(String... args) { return ParamsCommandTest.run(args); }

    /** A run folder with one checkpoint of TINY (seeded weights), as `mgiad train` leaves it. */
    private static Path savedRun(Path dir) throws Exception {
        TrainOptions o = new TrainOptions(DatasetKind.FASHION_MNIST, null, false, 1, 16, 0.05f, 0.9f, 1e-4f, false, "cosine", 0,
                25, 0.1f, 0f, 7, 0, 0, true, false, WeightInit.UNIFORM, false, 0);
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 3);
            Checkpoint.save(dir, m.root(), be, new RunState(1, TINY, o, List.of()));
        }
        return dir;
    }

    @Test
    void exportWritesAnOnnxFileThatOnnxRuntimeRuns(@TempDir Path tmp) throws Exception {
        Path dir = savedRun(tmp.resolve("run"));
        Path onnx = tmp.resolve("tiny.onnx");
        var r = run("export", "--checkpoint", dir.toString(), "--onnx", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ONNX opset 13") && r.out().contains("Conv ") && r.out().contains("input 'images' [N, 1, H, W]"), r.out());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] x = new float[2 * 32 * 32];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        float[][] logits;
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{2, 1, 32, 32});
             OrtSession.Result out = s.run(Map.of("images", in))) {
            logits = (float[][]) out.get("logits").orElseThrow().getValue();
        }
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(TINY, be, 99);
            Checkpoint.load(dir, m.root(), be, false);
            Graph g = new Graph(be);
            g.setTraining(false);
            float[] ours = be.download(m.forward(g, g.input(x, 2, 1, 32, 32)).value());
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 10; j++) assertEquals(ours[i * 10 + j], logits[i][j], 1e-5, "image " + i + " class " + j);
            }
        }
    }

    @Test
    void exportErrorsAreOneLine(@TempDir Path tmp) throws Exception {
        var none = run("export", "--checkpoint", tmp.resolve("missing").toString(), "--onnx", tmp.resolve("m.onnx").toString());
        assertNotEquals(0, none.code());
        assertTrue(none.err().contains("no checkpoint in") && none.err().lines().count() == 1, none.err());
        Path dir = savedRun(tmp.resolve("run"));
        var noFolder = run("export", "--checkpoint", dir.toString(), "--onnx", tmp.resolve("nowhere/m.onnx").toString());
        assertNotEquals(0, noFolder.code());
        assertTrue(noFolder.err().contains("does not exist") && noFolder.err().lines().count() == 1, noFolder.err());
        var noBest = run("export", "--checkpoint", dir.toString(), "--onnx", tmp.resolve("m.onnx").toString(), "--best");
        assertNotEquals(0, noBest.code());
        assertTrue(noBest.err().contains("no best checkpoint"), noBest.err());
        assertFalse(Files.exists(tmp.resolve("m.onnx")), "a failed export leaves no file");
    }

    @Test
    void evalDumpsTheImagesAndLogitsItComputed(@TempDir Path tmp) throws Exception {
        Path data = TrainCliTest.sharedData();
        Assumptions.assumeTrue(data != null, "shared/data/fashion-mnist not found next to the repository");
        Path dir = savedRun(tmp.resolve("run"));
        Path dump = tmp.resolve("logits.safetensors");
        var r = run("eval", "--checkpoint", dir.toString(), "--data-dir", data.toString(), "--limit-test", "20",
                "--dump-logits", dump.toString(), "--dump-count", "5", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote the logits of 5 test images"), r.out());
        var t = SafeTensors.read(dump).tensors();
        assertArrayEquals(new int[]{5, 1, 32, 32}, t.get("images").shape(), "Fashion-MNIST padded to 32x32 as in training");
        assertArrayEquals(new int[]{5, 10}, t.get("logits").shape());
        assertArrayEquals(new int[]{5}, t.get("labels").shape());
        try (CpuBackend be = new CpuBackend(1)) { // the logits are the model's on exactly those images
            Model m = Models.build(TINY, be, 99);
            Checkpoint.load(dir, m.root(), be, false);
            Graph g = new Graph(be);
            g.setTraining(false);
            float[] ours = be.download(m.forward(g, g.input(t.get("images").data(), 5, 1, 32, 32)).value());
            assertArrayEquals(ours, t.get("logits").data(), 1e-6f);
        }
        var bad = run("eval", "--checkpoint", dir.toString(), "--data-dir", data.toString(), "--dump-logits", dump.toString(),
                "--dump-count", "0");
        assertTrue(bad.code() != 0 && bad.err().contains("--dump-count must be >= 1"), bad.err());
    }
}
