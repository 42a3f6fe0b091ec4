package dev.mgiad.cli;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.PlanarKernels;
import dev.mgiad.model.Model;
import dev.mgiad.model.Models;
import dev.mgiad.perf.PredictBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code mgiad bench predict}: inference latency by batch size, batched layout against the small-batch path. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Times inference (evaluation mode, logits only) per batch size on the training layout (16 images "
                + "per SIMD vector, smaller batches padded) and on the pixel-vectorised small-batch path that mgiad "
                + "predict uses below 16 images; prints ms per call (median and minimum) and images/s (from the median).")
final class BenchPredictCommand implements Callable<Integer> {
    @Mixin ModelOptions model;
    @Mixin DeviceOptions device;

    @Option(names = "--batches", split = ",", defaultValue = "1,2,4,8,15,16,128", paramLabel = "N",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;
    @Option(names = "--size", defaultValue = "32", description = "Input height and width (default: ${DEFAULT-VALUE}).")
    int size;
    @Option(names = "--warmup", defaultValue = "5", description = "Untimed calls first (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--rounds", defaultValue = "30", description = "Timed calls; medians are reported (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--small-up-to", defaultValue = "16", paramLabel = "N",
            description = "Time the small-batch path for batches up to N (default: ${DEFAULT-VALUE}).")
    int smallUpTo;

    @Override
    public Integer call() {
        if (size < 1 || warmup < 0 || rounds < 1) throw new IllegalArgumentException("--size and --rounds must be positive, --warmup >= 0");
        for (int b : batches) if (b < 1) throw new IllegalArgumentException("--batches must be positive, got " + b);
        try (Backend be = device.open(); PlanarKernels kernels = new PlanarKernels(device.threads())) {
            Model m = Models.build(model.config(), be, 1);
            System.out.println("# " + BenchModelCommand.describe(m) + ", " + be.name() + ", " + size + "x" + size
                    + ", median and minimum of " + rounds + " calls after " + warmup + " warm-up calls, the two paths alternating");
            System.out.print(PredictBenchmark.header());
            for (int b : batches) System.out.print(PredictBenchmark.row(PredictBenchmark.run(m, be, kernels, b, size, warmup, rounds, smallUpTo)));
        }
        return 0;
    }
}
