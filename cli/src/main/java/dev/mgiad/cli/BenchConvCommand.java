package dev.mgiad.cli;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.bench.ConvBenchmark;
import dev.mgiad.engine.bench.MachineInfo;
import dev.mgiad.perf.ResultsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @Option(names = "--shape", paramLabel = "DESCRIPTOR",
            description = "Time this problem instead of the paper's (repeatable), written as the reports print it: "
                    + "gGROUPSnBATCHicCINihHiwWocCOUTkKsSTRIDEpPAD, e.g. g16n128ic64ih32iw32oc64k3s1p1 (its batch is used).")
    List<String> shapes;

    @Option(names = "--results-file", paramLabel = "FILE.json|FILE.csv",
            description = "Also write the rows with the machine (CPU, vector bits, cores, JDK, threads, FMA peak) as JSON "
                    + "or CSV, atomically.")
    Path resultsFile;

    @Override
    public Integer call() {
        if (batch < 1 || rounds < 1 || !(budget > 0)) throw new IllegalArgumentException("--batch, --rounds and --budget must be positive");
        if (resultsFile != null) ResultsFile.format(resultsFile);
        List<ConvBenchmark.Problem> problems = shapes == null ? ConvBenchmark.paperProblems()
                : shapes.stream().map(d -> ConvBenchmark.Problem.of(ConvParams.parse(d))).toList();
        problems = problems.stream().filter(p -> only == null || p.label().contains(only)).toList();
        if (problems.isEmpty()) throw new IllegalArgumentException("--only '" + only + "' matches no problem");
        try (Backend be = device.open()) {
            System.out.println("# backend: " + be.name() + ", batch " + batch + ", median of " + rounds + " interleaved rounds");
            int peakThreads = be instanceof dev.mgiad.engine.cpu.CpuBackend cpu ? cpu.threads() : 0;
            List<ConvBenchmark.Row> rows = new ConvBenchmark(be, batch, peakThreads).run(problems, rounds, budget);
            System.out.print(ConvBenchmark.table(rows));
            if (resultsFile != null) {
                double peak = rows.isEmpty() ? 0 : rows.get(0).peakGflops();
                MachineInfo probed = MachineInfo.probe(device.threads(), false);
                MachineInfo machine = new MachineInfo(probed.cpuModel(), probed.vectorBits(), probed.cores(), probed.jdk(),
                        peakThreads > 0 ? peakThreads : device.threads(), peak > 0 ? peak : Double.NaN, probed.alignedPanels());
                Map<String, Object> settings = new LinkedHashMap<>();
                settings.put("backend", be.name());
                settings.put("batch", (long) batch);
                settings.put("rounds", (long) rounds);
                settings.put("budget_s", budget);
                List<Map<String, Object>> out = rows.stream().map(ConvBenchmark.Row::fields).toList();
                ResultsFile.write(resultsFile, "mgiad bench conv", machine, settings, out, Map.of());
                System.out.println("# results written to " + resultsFile);
            }
        }
        return 0;
    }
}
