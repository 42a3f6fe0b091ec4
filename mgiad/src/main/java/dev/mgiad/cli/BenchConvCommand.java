package dev.mgiad.cli;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.bench.ConvBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code mgiad bench conv}: the grouped-vs-dense table over the problems of shared/bench/shapes.txt. */
@Command(name = "conv", mixinStandardHelpOptions = true,
        description = "Times 3x3/1x1 convolutions (dense, grouped, depthwise), forward and forward+backward, "
                + "on the shapes of the paper's models; checks each problem's results first, then prints ms, GFLOP/s, "
                + "the share of the FMA peak probed around the sweep (CPU), the bytes forward+backward must move and the "
                + "cost ratio to dense vs the ideal g_s/C.")
final class BenchConvCommand implements Callable<Integer> {
    @Option(names = "--batch", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @picocli.CommandLine.Mixin DeviceOptions device;

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved sweeps over all problems (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--budget", defaultValue = "0.3", description = "Seconds per problem and round (default: ${DEFAULT-VALUE}).")
    double budget;

    @Option(names = "--only", description = "Only problems whose label contains this text, e.g. 'gs=4' or 'C=256'.")
    String only;

    @Override
    public Integer call() {
        if (batch < 1 || rounds < 1 || !(budget > 0)) throw new IllegalArgumentException("--batch, --rounds and --budget must be positive");
        List<ConvBenchmark.Problem> problems = ConvBenchmark.paperProblems().stream()
                .filter(p -> only == null || p.label().contains(only)).toList();
        if (problems.isEmpty()) throw new IllegalArgumentException("--only '" + only + "' matches no problem");
        try (Backend be = device.open()) {
            System.out.println("# backend: " + be.name() + ", batch " + batch + ", median of " + rounds + " interleaved rounds");
            int peakThreads = be instanceof dev.mgiad.engine.cpu.CpuBackend cpu ? cpu.threads() : 0;
            System.out.print(ConvBenchmark.table(new ConvBenchmark(be, batch, peakThreads).run(problems, rounds, budget)));
        }
        return 0;
    }
}
