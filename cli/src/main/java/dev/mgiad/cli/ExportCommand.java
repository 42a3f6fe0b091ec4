package dev.mgiad.cli;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.export.OnnxExport;
import dev.mgiad.model.Model;
import dev.mgiad.model.Models;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code mgiad export}: a checkpoint as a standard ONNX file, for inference outside the JVM. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes the weights of a run as a standard ONNX model (opset 13, batch norm in evaluation mode) for "
                + "ONNX Runtime and other ONNX engines: input 'images' [N, C, H, W] normalised as in training, output "
                + "'logits' [N, classes].",
                "Example: mgiad export --checkpoint runs/mgiad --onnx mgiad.onnx"})
final class ExportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "The run directory (holding checkpoint.json).")
    Path checkpoint;
    @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "The ONNX file to write (replaced atomically).")
    Path onnx;
    @Option(names = "--best", description = "Export the run's best-validation weights (runs trained with --val-split) instead of its last epoch.")
    boolean best;

    @Override
    public Integer call() throws Exception {
        Path parent = onnx.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) throw new IllegalArgumentException("--onnx: the folder " + parent + " does not exist");
        if (Files.isDirectory(onnx)) throw new IllegalArgumentException("--onnx: " + onnx + " is a folder, expected a file name");
        RunState st = Checkpoint.readState(checkpoint);
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(st.model(), be, 0);
            if (best) Checkpoint.loadWeights(Checkpoint.best(checkpoint), m.root(), be);
            else Checkpoint.load(checkpoint, m.root(), be, false);
            OnnxExport.Result r = OnnxExport.write(m, onnx);
            PrintWriter out = spec.commandLine().getOut();
            int nodes = r.ops().values().stream().mapToInt(Integer::intValue).sum();
            out.printf("wrote %s (%,d bytes, ONNX opset 13): %s%n", onnx, r.bytes().length, st.model().describe());
            out.printf("%,d nodes: %s; %,d initializers%n", nodes, r.ops().entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")), r.initializers());
            out.printf("input '%s' [N, %d, H, W] normalised as in training; output '%s' [N, %d]%n", OnnxExport.INPUT,
                    st.model().inChannels(), OnnxExport.OUTPUT, st.model().classes());
            out.flush();
        }
        return 0;
    }
}
