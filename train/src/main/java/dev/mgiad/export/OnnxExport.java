package dev.mgiad.export;

import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.train.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Exports a model as a standard ONNX file for inference: input {@value #INPUT} {@code [N, C, H, W]} (float32,
 * normalised as in training; batch, height and width symbolic), output {@value #OUTPUT} {@code [N, classes]}, batch
 * norm in evaluation mode. The graph is recorded from the model's own forward pass ({@link OnnxOps}), in opset
 * {@value OnnxGraph#OPSET}; weights are stored under their parameter names.
 */
public final class OnnxExport {
    private OnnxExport() { }

    public static final String INPUT = "images", OUTPUT = "logits";
    /** The image size the forward pass is traced on (shapes only; the graph keeps H and W symbolic). */
    private static final int TRACE_SIZE = 32;

    /**
     * An encoded model and what it holds.
     *
     * @param bytes        the ONNX ModelProto
     * @param ops          node count per ONNX operator
     * @param initializers number of initializer tensors (weights, BN statistics, constants)
     */
    public record Result(byte[] bytes, Map<String, Integer> ops, int initializers) { }

    /** Records {@code model}'s forward pass as an ONNX graph, weights read from its backend. */
    public static Result build(Model model) {
        ModelConfig c = model.config();
        OnnxGraph graph = new OnnxGraph();
        OnnxOps ops = new OnnxOps(graph, model.root());
        OnnxOps.Value logits = model.forward(ops, ops.input(INPUT, Shape.of(1, c.inChannels(), TRACE_SIZE, TRACE_SIZE)));
        if (logits.zero() || logits.shape().c() != c.classes()) {
            throw new IllegalStateException("the traced forward pass returned " + logits.shape() + ", expected " + c.classes() + " logits");
        }
        graph.node("Identity", List.of(logits.name()), OUTPUT);
        graph.input(INPUT, List.of("N", c.inChannels(), "H", "W"));
        graph.output(OUTPUT, List.of("N", c.classes()));
        graph.metadata("mgiad.model", c.describe());
        String version = OnnxExport.class.getPackage().getImplementationVersion();
        byte[] bytes = graph.toByteArray(c.kind().cliName, version == null ? "0.1.0-SNAPSHOT" : version,
                c.describe() + "; input " + INPUT + " [N, " + c.inChannels() + ", H, W] normalised as in training, output "
                        + OUTPUT + " [N, " + c.classes() + "]; batch norm in evaluation mode");
        return new Result(bytes, graph.opCounts(), graph.initializerCount());
    }

    /** Writes the ONNX file atomically (a crash leaves no partial file under {@code file}). */
    public static Result write(Model model, Path file) throws IOException {
        Result r = build(model);
        AtomicFiles.write(file, out -> out.write(r.bytes()));
        return r;
    }
}
