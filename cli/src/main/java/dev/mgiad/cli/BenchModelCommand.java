package dev.mgiad.cli;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ProfilingBackend;
import dev.mgiad.engine.bench.MachineInfo;
import dev.mgiad.perf.JitWarmup;
import dev.mgiad.perf.ResultsFile;
import dev.mgiad.model.Model;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.Models;
import dev.mgiad.perf.ModelBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code mgiad bench model}: training-step timing of a model, like timm's benchmark.py. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Times full training steps of a model after warm-up (forward with loss, backward, optimizer step, "
                + "each also on its own) and an inference pass; prints ms per step, images/s and GFLOP/s from the MACs.")
final class BenchModelCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin DeviceOptions device;

    @Option(names = "--batch", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--size", defaultValue = "32", description = "Input height and width (default: ${DEFAULT-VALUE}).")
    int size;
    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--steps", defaultValue = "5", description = "Timed steps; medians are reported (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--profile", description = "Also print the time per operator and shape (calls timed one by one, "
            + "over 2 training steps) and the memory-bound share of the step.")
    boolean profile;
    @Option(names = "--step-times", description = "Also print the time of every step, warm-up steps included "
            + "(how fast the JIT settles).")
    boolean stepTimes;
    @Option(names = "--jit-warmup", description = "First warm the JIT up on one batch block (as train does), "
            + "then run the warm-up and timed steps.")
    boolean jitWarmup;
    @Option(names = "--results-file", paramLabel = "FILE.json|FILE.csv",
            description = "Also write the results with the machine (CPU, vector bits, cores, JDK, threads, measured FMA "
                    + "peak) as JSON (with the profile, if any) or CSV, atomically.")
    Path resultsFile;

    @Override
    public Integer call() {
        if (batch < 1 || size < 1 || warmup < 0 || steps < 1) throw new IllegalArgumentException("--batch, --size and --steps must be positive");
        if (resultsFile != null) ResultsFile.format(resultsFile); // a bad name fails before the benchmark, not after
        try (Backend be = device.open()) {
            Model m = Models.build(model.config(), be, 1);
            String label = describe(m);
            MachineInfo machine = MachineInfo.probe(device.threads(), true);
            System.out.println(machine.line());
            System.out.println("# " + be.name() + ", batch " + batch + ", " + size + "x" + size + ", step = median of "
                    + steps + " whole steps after " + warmup + " warm-up steps; fwd/bwd/opt = medians of the phases");
            System.out.print(ModelBenchmark.header());
            if (jitWarmup) {
                System.out.printf(java.util.Locale.ROOT, "# JIT warm-up on one batch block: %.1f s%n",
                        JitWarmup.run(model.config(), be, size, 2));
            }
            ModelBenchmark.Result result = ModelBenchmark.run(label, m, be, batch, size, warmup, steps);
            Map<String, Object> row = new LinkedHashMap<>(result.fields());
            row.put("peer_model", peerName(m.config()));
            System.out.print(ModelBenchmark.row(result));
            if (stepTimes) {
                StringBuilder sb = new StringBuilder("# every step (ms, warm-up first):");
                for (double t : result.everyStepMs()) sb.append(String.format(java.util.Locale.ROOT, " %.0f", t));
                System.out.println(sb);
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            if (profile) {
                int profiled = 2;
                ProfilingBackend pb = new ProfilingBackend(be);
                Model pm = Models.build(model.config(), pb, 1);
                // the profiled steps follow the warm-up on the same graph and buffers; a full collection first moves
                // the buffers out of the young generation, so no collection copies them during a timed operator
                ModelBenchmark.run(label, pm, pb, batch, size, Math.max(1, warmup), profiled, false, () -> {
                    System.gc();
                    pb.clear();
                });
                System.out.println();
                System.out.print(pb.report(profiled));
                extra.put("profile", profileFields(pb.rows(profiled)));
            }
            if (resultsFile != null) {
                Map<String, Object> settings = new LinkedHashMap<>();
                settings.put("backend", be.name());
                settings.put("batch", (long) batch);
                settings.put("size", (long) size);
                settings.put("warmup", (long) warmup);
                settings.put("steps", (long) steps);
                ResultsFile.write(resultsFile, "mgiad bench model", machine, settings, List.of(row), extra);
                System.out.println("# results written to " + resultsFile);
            }
        }
        return 0;
    }

    static Map<String, Object> profileFields(List<ProfilingBackend.Row> rows) {
        Map<String, Object> p = new LinkedHashMap<>();
        double total = rows.stream().mapToDouble(ProfilingBackend.Row::msPerStep).sum();
        double conv = ProfilingBackend.msPerStep(rows, ProfilingBackend.Category.CONV);
        p.put("total_ms", total);
        p.put("conv_ms", conv);
        p.put("transfer_ms", ProfilingBackend.msPerStep(rows, ProfilingBackend.Category.TRANSFER));
        p.put("memory_ms", ProfilingBackend.msPerStep(rows, ProfilingBackend.Category.MEMORY));
        p.put("memory_bound_pct", 100 * (total - conv) / Math.max(total, 1e-9));
        List<Object> ops = new ArrayList<>();
        for (ProfilingBackend.Row r : rows) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("operator", r.operator());
            o.put("bound", r.category().name().toLowerCase(java.util.Locale.ROOT));
            o.put("calls_per_step", r.callsPerStep());
            o.put("ms_per_step", r.msPerStep());
            o.put("pct", r.percent());
            ops.add(o);
        }
        p.put("operators", ops);
        return p;
    }

    /**
     * The name {@code benchmarks/peer/bench_models.py} gives the same configuration, so that comparison scripts can
     * pair the rows; null when the peer has no such model.
     */
    static String peerName(ModelConfig c) {
        if (c.inChannels() != 3 || c.classes() != 10) return null;
        boolean paperWidths = c.widths().equals(List.of(64, 128, 256, 256));
        return switch (c.kind()) {
            case RESNET18, RESNET20 -> c.kind().cliName;
            case MGNET -> c.share() == ModelConfig.Share.AB && c.gs() == 0 && c.nu() == 2 && paperWidths ? "mgnet" : null;
            case MGIAD -> paperWidths && c.pre() == 2 && c.post() == 1 && c.correction() == ModelConfig.Correction.LITERAL
                    ? "mgiad-" + c.ck() + "-" + c.gs() + (c.lambda() != 1 ? "-l" + c.lambda() : "") : null;
            default -> null;
        };
    }

    static String describe(Model m) {
        var c = m.config();
        return switch (c.kind()) {
            case MGIAD -> "mgiad cK=" + c.ck() + " gs=" + c.gs() + " l=" + c.lambda() + " " + c.widths();
            case MGNET -> "mgnet " + c.share().cliName() + (c.gs() > 0 ? " gs=" + c.gs() : "") + " " + c.widths();
            default -> c.kind().cliName;
        };
    }
}
