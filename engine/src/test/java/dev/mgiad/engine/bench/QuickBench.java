package dev.mgiad.engine.bench;

import dev.mgiad.engine.cpu.CpuBackend;

/** Developer entry point: java -cp ... dev.mgiad.engine.bench.QuickBench (not a test). */
public final class QuickBench {
    public static void main(String[] a) {
        try (CpuBackend cpu = new CpuBackend(2)) {
            var b = new ConvBenchmark(cpu, 128, cpu.threads());
            System.out.print(ConvBenchmark.table(b.run(ConvBenchmark.paperProblems(), 1, 0.4)));
        }
    }
}
