package dev.mgiad.cli;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.model.ModelConfig;
import dev.mgiad.model.ModelConfig.Kind;
import dev.mgiad.model.Models;
import dev.mgiad.perf.ModelBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code mgiad bench warm-up} (hidden): a few training and inference steps of small models on random data. bin/mgiad
 * runs it once per build with {@code -XX:AOTCacheOutput} to record the JDK's ahead-of-time cache (loaded and linked
 * classes, and method profiles, JEP 483/514/515), so that later runs start with the profiles of the kernels and the
 * JIT compiles them sooner.
 */
@Command(name = "warm-up", hidden = true, mixinStandardHelpOptions = true,
        description = "A few training steps of small models on random data (the workload bin/mgiad records its AOT cache from).")
final class BenchWarmupCommand implements Callable<Integer> {
    @Option(names = "--threads", defaultValue = "2", description = "CPU kernel threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--steps", defaultValue = "3", description = "Training steps per model (default: ${DEFAULT-VALUE}).")
    int steps;

    /** The configurations the README's commands train: MGiaD on Fashion-MNIST and CIFAR, ResNet20, MgNet. */
    static List<ModelConfig> models() {
        return List.of(
                ModelConfig.defaults(Kind.MGIAD).withInput(1, 10).withWidths(16, 32, 64).withCk(16),
                ModelConfig.defaults(Kind.MGIAD).withCk(16),
                ModelConfig.defaults(Kind.MGIAD).withWidths(16, 32, 64),
                ModelConfig.defaults(Kind.RESNET20),
                ModelConfig.defaults(Kind.MGNET).withWidths(16, 32, 64));
    }

    @Override
    public Integer call() {
        if (threads < 1 || steps < 1) throw new IllegalArgumentException("--threads and --steps must be >= 1");
        try (CpuBackend be = new CpuBackend(threads)) {
            for (ModelConfig c : models()) {
                var r = ModelBenchmark.run(c.kind().cliName, Models.build(c, be, 1), be, 16, 32, 1, steps);
                System.out.print(ModelBenchmark.row(r));
            }
        }
        return 0;
    }
}
