package dev.mgiad.cli;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ProfilingBackend;
import dev.mgiad.model.Model;
import dev.mgiad.model.Models;
import dev.mgiad.perf.ModelBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
    @Option(names = "--profile", description = "Also print the time per operator and shape (calls timed one by one).")
    boolean profile;

    @Override
    public Integer call() {
        if (batch < 1 || size < 1 || warmup < 0 || steps < 1) throw new IllegalArgumentException("--batch, --size and --steps must be positive");
        try (Backend be = device.open()) {
            Model m = Models.build(model.config(), be, 1);
            String label = describe(m);
            System.out.println("# " + be.name() + ", batch " + batch + ", " + size + "x" + size + ", median of " + steps
                    + " steps after " + warmup + " warm-up steps");
            System.out.print(ModelBenchmark.header());
            System.out.print(ModelBenchmark.row(ModelBenchmark.run(label, m, be, batch, size, warmup, steps)));
            if (profile) {
                ProfilingBackend pb = new ProfilingBackend(be);
                Model pm = Models.build(model.config(), pb, 1);
                ModelBenchmark.run(label, pm, pb, batch, size, Math.max(1, warmup), 1);
                pb.clear();
                ModelBenchmark.run(label, pm, pb, batch, size, 0, 1);
                System.out.println();
                System.out.print(pb.report(1));
            }
        }
        return 0;
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
