package dev.mgiad.cli;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.ModelSummary;
import dev.mgiad.model.Models;
import dev.mgiad.model.PaperTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code mgiad params}: learnable weights and forward MACs of a model, per tensor and per level; the spec's tables. */
@Command(name = "params", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Counts the learnable weights (as the paper: conv and linear weights, biases, BN gamma and beta, "
                + "the unused level-1 Pi/R pair included) and the forward multiply-adds per image (convolutions and the "
                + "classifier as executed).",
                "Example: mgiad params --model mgiad --dataset cifar10 --ck 64 --gs 4 --lambda 1  ->  393,034 weights"})
final class ParamsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ModelOptions model;

    @Option(names = "--size", defaultValue = "32", paramLabel = "PX",
            description = "Input height and width for the MACs (default: ${DEFAULT-VALUE}; the paper pads Fashion-MNIST to 32x32).")
    int size;

    @Option(names = "--tensors", description = "List every tensor with its name and shape, as saved in a checkpoint's "
            + "model.safetensors (PyTorch's state_dict names; batch-norm running statistics last, marked as buffers).")
    boolean tensors;

    @Option(names = "--summary", description = "A table per resolution level: channel hierarchy, group sizes, weights, MACs.")
    boolean summary;

    @Option(names = "--json", description = "Print one JSON object: model, dataset, weights, macs, levels, tensors.")
    boolean json;

    @Option(names = "--paper", description = "Print the spec's tables (sections 9, 5, 10): paper value, spec value, our count.")
    boolean paper;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (size < 1) throw new IllegalArgumentException("--size must be >= 1, got " + size);
        try (CpuBackend be = new CpuBackend(1)) {
            if (paper) {
                printPaper(out, be);
                out.flush();
                return 0;
            }
            ModelConfig config = model.config();
            Model m = Models.build(config, be, 0);
            ModelSummary s = ModelSummary.of(m, size, size);
            if (json) {
                out.println(json(m, s));
            } else {
                out.printf("model    %s%n", config.describe());
                out.printf("dataset  %s (%d input channels, %d classes), MACs on %dx%d input%n",
                        model.datasetKind().cliName(), config.inChannels(), config.classes(), size, size);
                out.printf("weights  %,d%n", s.weights());
                out.printf("MACs     %,d (%.1f M; %.1f MFLOP) per image%n", s.macs(), s.macs() / 1e6, 2 * s.macs() / 1e6);
                if (summary) printSummary(out, s);
                if (tensors) printTensors(out, m);
            }
        }
        out.flush();
        return 0;
    }

    private static String list(List<Integer> xs) {
        return xs.isEmpty() ? "-" : xs.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static void printSummary(PrintWriter out, ModelSummary s) {
        int cw = "channels".length(), gw = "group sizes".length();
        for (ModelSummary.Row r : s.rows()) {
            cw = Math.max(cw, list(r.channels()).length());
            gw = Math.max(gw, list(r.groupSizes()).length());
        }
        String row = "%-10s %-7s %-" + cw + "s  %-" + gw + "s %,12d %,16d%n";
        out.println();
        out.printf("%-10s %-7s %-" + cw + "s  %-" + gw + "s %12s %16s%n", "part", "size", "channels", "group sizes", "weights", "MACs");
        for (ModelSummary.Row r : s.rows()) {
            out.printf(row, r.part(), r.h() + "x" + r.w(), list(r.channels()), list(r.groupSizes()), r.weights(), r.macs());
        }
        out.printf(row, "total", "", "", "", s.weights(), s.macs());
    }

    private static void printTensors(PrintWriter out, Model m) {
        out.println();
        for (Map.Entry<String, Parameter> e : m.root().namedParameters().entrySet()) {
            Parameter p = e.getValue();
            out.printf("%-45s %-18s %,10d%s%n", e.getKey(), p.shape(), p.elements(),
                    p.unused() ? "  (unused: counted, never applied)" : "");
        }
        for (var e : m.root().namedBuffers().entrySet()) {
            var shape = e.getValue().value().shape();
            out.printf("%-45s %-18s %,10d  (buffer: saved, not a weight)%n", e.getKey(), shape, shape.elements());
        }
    }

    private String json(Model m, ModelSummary s) {
        StringBuilder b = new StringBuilder("{");
        ModelConfig c = m.config();
        b.append("\"model\":").append(quote(c.kind().cliName));
        b.append(",\"dataset\":").append(quote(model.datasetKind().cliName()));
        b.append(",\"description\":").append(quote(c.describe()));
        b.append(",\"input\":[").append(c.inChannels()).append(',').append(s.inputH()).append(',').append(s.inputW()).append(']');
        b.append(",\"classes\":").append(c.classes());
        b.append(",\"weights\":").append(s.weights());
        b.append(",\"macs\":").append(s.macs());
        b.append(",\"levels\":[");
        boolean first = true;
        for (ModelSummary.Row r : s.rows()) {
            b.append(first ? "" : ",").append("{\"part\":").append(quote(r.part()))
                    .append(",\"size\":[").append(r.h()).append(',').append(r.w()).append(']')
                    .append(",\"channels\":").append(array(r.channels())).append(",\"group_sizes\":").append(array(r.groupSizes()))
                    .append(",\"weights\":").append(r.weights()).append(",\"macs\":").append(r.macs()).append('}');
            first = false;
        }
        b.append("],\"tensors\":[");
        first = true;
        for (Map.Entry<String, Parameter> e : m.root().namedParameters().entrySet()) {
            b.append(first ? "" : ",").append("{\"name\":").append(quote(e.getKey()))
                    .append(",\"shape\":").append(array(Arrays.stream(e.getValue().shape().dims()).boxed().toList()))
                    .append(",\"unused\":").append(e.getValue().unused()).append('}');
            first = false;
        }
        return b.append("]}").toString();
    }

    private static String array(List<Integer> xs) {
        return xs.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }

    private static void printPaper(PrintWriter out, CpuBackend be) {
        out.println("Weight counts, spec section 9 (paper Tables I, II, V, VII): paper as printed, spec reconstruction, ours");
        out.printf("%-11s %-40s %10s %12s %12s %8s  %s%n", "table", "configuration", "paper", "spec", "ours", "vs paper", "remark");
        for (PaperTables.WeightRow r : PaperTables.weights()) {
            long ours = Models.build(r.config(), be, 0).weightCount();
            double rel = 100.0 * (ours - r.paperK() * 1000.0) / (r.paperK() * 1000.0);
            String remark = (ours == r.specWeights() ? "" : "DIFFERS FROM SPEC; ") + r.remark();
            out.printf(Locale.ROOT, "%-11s %-40s %9sk %,12d %,12d %+7.2f%%  %s%n", r.tables(), r.label(),
                    String.format("%,d", r.paperK()), r.specWeights(), ours, rel, remark);
        }
        out.println();
        out.println("MgNet, spec section 5 (CIFAR-10)");
        printMacRows(out, be, PaperTables.mgnet());
        out.println();
        out.println("Forward MACs per 32x32 image, spec section 10 (conv and linear multiply-adds as executed)");
        printMacRows(out, be, PaperTables.macs());
    }

    private static void printMacRows(PrintWriter out, CpuBackend be, List<PaperTables.MacRow> rows) {
        out.printf("%-42s %12s %12s %10s %10s %9s%n", "configuration", "spec weights", "ours", "spec MACs", "ours", "diff");
        for (PaperTables.MacRow r : rows) {
            Model m = Models.build(r.config(), be, 0);
            double macs = m.macs(32, 32) / 1e6;
            String spec = r.specWeights() == 0 ? "-" : String.format("%,d", r.specWeights());
            String specMacs = r.paperMillions() == 0 ? "-" : String.format(Locale.ROOT, "%.1fM", r.paperMillions());
            String diff = r.paperMillions() == 0 ? "" : String.format(Locale.ROOT, "%+.2fM", macs - r.paperMillions());
            out.printf(Locale.ROOT, "%-42s %12s %,12d %10s %9.1fM %9s%n", r.label(), spec, m.weightCount(), specMacs, macs, diff);
        }
    }
}
