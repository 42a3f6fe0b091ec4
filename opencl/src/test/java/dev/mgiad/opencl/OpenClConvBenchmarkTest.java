package dev.mgiad.opencl;

import dev.mgiad.engine.bench.ConvBenchmark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Times the paper's convolutions ({@link ConvBenchmark#paperProblems()}) on an OpenCL device and prints the table.
 * Not a test: it runs only with {@code -Dmgiad.opencl.bench=true} (see {@code opencl/gpu-check.sh}); options
 * {@code -Dmgiad.opencl.device}, {@code -Dmgiad.opencl.block}, {@code -Dmgiad.bench.batch} (128),
 * {@code -Dmgiad.bench.rounds} (3), {@code -Dmgiad.bench.budget} (seconds per problem and round, 0.3),
 * {@code -Dmgiad.bench.only} (label filter, e.g. {@code C=64}).
 */
@EnabledIfSystemProperty(named = "mgiad.opencl.bench", matches = "true",
        disabledReason = "a benchmark: run with -Dmgiad.opencl.bench=true")
class OpenClConvBenchmarkTest {
    @Test
    void convolutionsOnTheDevice() {
        OpenCl.DeviceInfo device = TestDevice.device();
        int batch = Integer.getInteger("mgiad.bench.batch", 128), rounds = Integer.getInteger("mgiad.bench.rounds", 3);
        double budget = Double.parseDouble(System.getProperty("mgiad.bench.budget", "0.3"));
        String only = System.getProperty("mgiad.bench.only", "");
        List<ConvBenchmark.Problem> problems = ConvBenchmark.paperProblems().stream()
                .filter(p -> p.label().contains(only)).toList();
        assertFalse(problems.isEmpty(), "no problem matches '" + only + "'");
        try (OpenClBackend be = new OpenClBackend(device,
                Integer.getInteger("mgiad.opencl.block", OpenClBackend.DEFAULT_BATCH_BLOCK))) {
            System.out.println("# " + device.summary());
            System.out.println("# backend: " + be.name() + ", batch " + batch + ", median of " + rounds + " interleaved rounds");
            System.out.print(ConvBenchmark.table(new ConvBenchmark(be, batch).run(problems, rounds, budget)));
            System.out.println("# " + be.buildStats());
        }
    }
}
