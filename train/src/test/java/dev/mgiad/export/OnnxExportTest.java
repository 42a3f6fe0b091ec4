package dev.mgiad.export;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.StateBuffer;
import dev.mgiad.model.GoldenCase;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX export, run by ONNX Runtime (an independent engine): for every model family its logits must equal ours
 * and PyTorch's (the golden files: PyTorch's weights, input and float64 logits) to 1e-4 of their scale.
 */
class OnnxExportTest {
    private static final double REL = 1e-4;
    private static CpuBackend be;
    private static OrtEnvironment env;

    @BeforeAll static void up() {
        be = new CpuBackend(2);
        env = OrtEnvironment.getEnvironment();
    }

    @AfterAll static void down() { be.close(); }

    /** ONNX Runtime's logits of a batch. */
    static float[] run(byte[] onnx, float[] x, int... shape) throws Exception {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession s = env.createSession(onnx, o);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), Arrays.stream(shape).asLongStream().toArray());
                 OrtSession.Result r = s.run(Map.of(OnnxExport.INPUT, in))) {
                float[][] z = (float[][]) r.get(OnnxExport.OUTPUT).orElseThrow().getValue();
                float[] flat = new float[z.length * z[0].length];
                for (int i = 0; i < z.length; i++) System.arraycopy(z[i], 0, flat, i * z[0].length, z[0].length);
                return flat;
            }
        }
    }

    private static float[] ours(Model m, float[] x, int... s) {
        Graph g = new Graph(be);
        g.setTraining(false);
        Var logits = m.forward(g, g.input(x, s[0], s[1], s[2], s[3]));
        float[] z = be.download(logits.value());
        g.reset();
        return z;
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet20", "mgnet-ab", "mgnet-a", "mgic", "mgiad-literal", "mgiad-difference"})
    void onnxRuntimeAgreesWithUsAndPyTorch(String name) throws Exception {
        GoldenCase gc = GoldenCase.load(name, be);
        OnnxExport.Result r = OnnxExport.build(gc.model());
        int[] s = gc.inputShape();
        float[] ort = run(r.bytes(), gc.input(), s);
        GoldenCase.assertClose(name + ": ONNX Runtime vs PyTorch", gc.torch("eval.logits"), ort, REL, 1e-2);
        GoldenCase.assertClose(name + ": ONNX Runtime vs ours", ours(gc.model(), gc.input(), s), ort, REL, 1e-2);

        Map<String, Integer> ops = r.ops();
        assertTrue(ops.getOrDefault("Conv", 0) > 3 && ops.containsKey("BatchNormalization") && ops.containsKey("Relu")
                && ops.containsKey("GlobalAveragePool") && ops.containsKey("Gemm"), ops.toString());
        String text = new String(r.bytes(), StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("dead_pi") || text.contains("dead_r"), "the unused level-1 pair is not part of the graph");
        assertFalse(ops.containsKey("ConstantOfShape"), "u = 0 is folded, never materialised: " + ops);
        if (name.equals("resnet20")) assertTrue(ops.containsKey("Slice") && ops.containsKey("Pad"), "option A: " + ops);
        if (name.startsWith("mgnet") || name.startsWith("mgiad")) assertTrue(ops.containsKey("Sub"), "f - A u: " + ops);
    }

    /** A paper-sized MGiaD on 28x28 images (unpadded Fashion-MNIST): batch, height and width stay symbolic. */
    @Test
    void largerModelWithAnotherImageSizeAndBatch() throws Exception {
        ModelConfig c = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(1, 10).withWidths(16, 32, 64).withCk(16).withGs(4);
        Model m = Models.build(c, be, 3);
        SplittableRandom rng = new SplittableRandom(4);
        for (StateBuffer b : m.root().namedBuffers().values()) { // non-trivial running statistics
            float[] v = new float[(int) b.value().shape().elements()];
            for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextDouble(0.5, 1.5);
            be.upload(v, b.value());
        }
        int n = 3;
        float[] x = new float[n * 28 * 28];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        byte[] onnx = OnnxExport.build(m).bytes();
        GoldenCase.assertClose("28x28 MGiaD: ONNX Runtime vs ours", ours(m, x, n, 1, 28, 28), run(onnx, x, n, 1, 28, 28), REL, 1e-2);

        try (OrtSession s = env.createSession(onnx, new OrtSession.SessionOptions())) {
            NodeInfo in = s.getInputInfo().get(OnnxExport.INPUT);
            TensorInfo t = (TensorInfo) in.getInfo();
            assertArrayEquals(new long[]{-1, 1, -1, -1}, t.getShape(), "batch, height and width are symbolic");
            assertArrayEquals(new String[]{"N", "", "H", "W"}, t.getDimensionNames());
            assertEquals(c.describe(), s.getMetadata().getCustomMetadata().get("mgiad.model"));
        }
    }
}
