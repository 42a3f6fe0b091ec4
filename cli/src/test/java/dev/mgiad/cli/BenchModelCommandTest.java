package dev.mgiad.cli;

import dev.mgiad.train.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mgiad bench model} on a tiny model: the results file a machine reads, and bad input. */
class BenchModelCommandTest {
    private static final String[] TINY = {"bench", "model", "--model", "mgiad", "--dataset", "fashion-mnist",
            "--widths", "8,16", "--ck", "4", "--gs", "2", "--batch", "4", "--size", "8", "--warmup", "0", "--steps", "2",
            "--threads", "1"};

    private static String[] with(String... more) {
        String[] a = java.util.Arrays.copyOf(TINY, TINY.length + more.length);
        System.arraycopy(more, 0, a, TINY.length, more.length);
        return a;
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesJsonWithTheMachineTheStepAndTheProfile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.json");
        var r = ParamsCommandTest.run(with("--profile", "--step-times", "--results-file", f.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("# machine: ") && r.out().contains("memory-bound share:"), r.out());
        Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(f));
        assertEquals("mgiad bench model", doc.get("tool"));
        Map<String, Object> machine = (Map<String, Object>) doc.get("machine");
        assertEquals(1L, machine.get("threads"));
        assertTrue(((Number) machine.get("vector_bits")).longValue() >= 128);
        assertTrue(((Number) machine.get("fma_peak_gflops")).doubleValue() > 0, "the peak is measured");
        assertEquals(Boolean.TRUE, machine.get("aligned_panels"), "the tests run with -XX:ObjectAlignmentInBytes=64");
        Map<String, Object> row = ((List<Map<String, Object>>) doc.get("rows")).get(0);
        double step = ((Number) row.get("step_med_ms")).doubleValue();
        assertTrue(step > 0 && ((Number) row.get("step_min_ms")).doubleValue() <= step);
        assertEquals(2, ((List<?>) row.get("every_step_ms")).size());
        assertEquals(null, row.get("peer_model"), "a 1-channel model has no PyTorch peer");
        Map<String, Object> profile = (Map<String, Object>) doc.get("profile");
        double total = ((Number) profile.get("total_ms")).doubleValue();
        double parts = ((Number) profile.get("conv_ms")).doubleValue() + ((Number) profile.get("transfer_ms")).doubleValue()
                + ((Number) profile.get("memory_ms")).doubleValue();
        assertEquals(total, parts, 1e-6 * total);
        List<Map<String, Object>> ops = (List<Map<String, Object>>) profile.get("operators");
        assertTrue(ops.stream().anyMatch(o -> o.get("operator").toString().startsWith("batchnorm bwd") && o.get("bound").equals("memory")));
        assertTrue(ops.stream().anyMatch(o -> o.get("operator").toString().startsWith("conv fwd+bn 3x3")),
                "batch norm's statistics come from the convolution's epilogue");
        assertFalse(ops.stream().anyMatch(o -> o.get("operator").toString().startsWith("batchnorm fwd")),
                "every batch norm of MGiaD follows a convolution");
        assertTrue(ops.stream().anyMatch(o -> o.get("operator").toString().contains("3x3 s1 g_s=2") && o.get("bound").equals("conv")));
        assertTrue(ops.stream().anyMatch(o -> o.get("operator").toString().contains("1x1") && o.get("bound").equals("transfer")),
                "the channel-pair transfers are memory-bound");
        assertFalse(ops.stream().anyMatch(o -> o.get("operator").toString().startsWith("batchnorm eval")),
                "the profile is of training steps only");
    }

    @Test
    void writesCsvWithTheMachineOnEveryLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.csv");
        var r = ParamsCommandTest.run(with("--results-file", f.toString()));
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(f);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).startsWith("cpu_model,vector_bits,cores,jdk,threads,fma_peak_gflops,aligned_panels,model,"), lines.get(0));
        assertEquals(lines.get(0).split(",", -1).length, lines.get(1).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1).length);
    }

    @Test
    void aResultsFileOfAnotherKindIsOneLineBeforeAnyWork(@TempDir Path dir) {
        var r = ParamsCommandTest.run(with("--results-file", dir.resolve("r.txt").toString()));
        assertEquals(1, r.code());
        assertEquals("mgiad bench model: --results-file must end in .json or .csv, got '" + dir.resolve("r.txt") + "'",
                r.err().strip());
        assertFalse(r.out().contains("step ms"), "nothing was benchmarked");
    }

    @Test
    void peerNamesMatchTheModelsOfBenchModelsPy() {
        assertEquals("mgiad-64-4", BenchModelCommand.peerName(dev.mgiad.model.ModelConfig.defaults(dev.mgiad.model.ModelConfig.Kind.MGIAD)));
        assertEquals("mgiad-16-4", BenchModelCommand.peerName(dev.mgiad.model.ModelConfig.defaults(dev.mgiad.model.ModelConfig.Kind.MGIAD).withCk(16)));
        assertEquals("mgiad-64-8-l3", BenchModelCommand.peerName(dev.mgiad.model.ModelConfig.defaults(dev.mgiad.model.ModelConfig.Kind.MGIAD).withGs(8).withLambda(3)));
        assertEquals("mgnet", BenchModelCommand.peerName(dev.mgiad.model.ModelConfig.defaults(dev.mgiad.model.ModelConfig.Kind.MGNET)));
        assertEquals("resnet18", BenchModelCommand.peerName(dev.mgiad.model.ModelConfig.defaults(dev.mgiad.model.ModelConfig.Kind.RESNET18)));
    }
}
