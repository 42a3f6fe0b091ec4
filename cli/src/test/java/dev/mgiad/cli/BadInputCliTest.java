package dev.mgiad.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flags and run folders that must be refused in one line, before any work. */
class BadInputCliTest {

    private static ParamsCommandTest.Result run(String... args) { return ParamsCommandTest.run(args); }

    private static void refused(String expected, String... args) {
        var r = run(args);
        assertNotEquals(0, r.code(), String.join(" ", args));
        assertTrue(r.err().contains(expected), String.join(" ", args) + " -> " + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void numericFlagsAreValidatedOnce(@TempDir Path tmp) {
        String d = tmp.toString();
        refused("'NaN' is not a finite number", "train", "--warmup", "NaN", "--data-dir", d);
        refused("'NaN' is not a finite number", "train", "--gamma", "NaN", "--data-dir", d);
        refused("'Infinity' is not a finite number", "train", "--wd", "Infinity", "--data-dir", d);
        refused("'1e99' is out of range", "train", "--lr", "1e99", "--data-dir", d);
        refused("--gamma must be in (0, 1], got 1000000000", "train", "--gamma", "1e9", "--data-dir", d);
        refused("--warmup must be in [0, 3], got 5", "train", "--warmup", "5", "--data-dir", d);
        refused("--stop-after must be >= 0, got -1", "train", "--stop-after", "-1", "--data-dir", d);
        refused("--step-every must be >= 1, got 0", "train", "--step-every", "0", "--data-dir", d);
        refused("--threads must be in [1, " + Runtime.getRuntime().availableProcessors() + "]", "train", "--threads", "1000", "--data-dir", d);
        refused("--limit-test must be >= 0, got -5", "train", "--limit-test", "-5", "--data-dir", d);
        refused("--limit-test must be >= 0, got -5", "eval", "--checkpoint", d, "--limit-test", "-5");
        refused("--batch-size must be in [1, 1048576], got 0", "eval", "--checkpoint", d, "--batch-size", "0");
        refused("'Infinity' is not a finite number", "bench", "conv", "--budget", "Infinity");
    }

    @Test
    void aRunFolderThatIsAFileIsNamed(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("not-a-folder");
        Files.writeString(file, "x");
        refused("the run folder " + file + " is a file, not a folder", "train", "--out", file.toString(), "--data-dir", tmp.toString());
    }

    @Test
    void malformedStateJsonIsOneLine(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("ckpt-0001"));
        Files.writeString(tmp.resolve("checkpoint.json"), "{\"latest\":\"ckpt-0001\",\"epoch\":1}");
        Files.write(tmp.resolve("ckpt-0001/model.safetensors"), new byte[16]);
        Files.writeString(tmp.resolve("ckpt-0001/state.json"), "[]");
        refused("state.json: the document is not a JSON object", "eval", "--checkpoint", tmp.toString());
        Files.writeString(tmp.resolve("ckpt-0001/state.json"), "{}");
        refused("state.json: 'epoch' is missing", "eval", "--checkpoint", tmp.toString());
    }

    /** A batch that cannot fit: one line saying what and what to change (in a JVM with a small heap). */
    @Test
    void outOfMemoryIsOneLine(@TempDir Path tmp) throws Exception {
        Path data = TrainCliTest.sharedData();
        Assumptions.assumeTrue(data != null, "shared/data/fashion-mnist not found next to the repository");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules=jdk.incubator.vector", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "train", "--dataset", "fashion-mnist", "--widths", "4,8", "--ck", "4", "--gs", "2",
                "--batch-size", "60000", "--epochs", "1", "--threads", "1", "--data-dir", data.toString(),
                "--out", tmp.resolve("run").toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err);
        List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).contains("out of memory") && lines.get(0).contains("batch size 60000")
                && lines.get(0).contains("--batch-size"), err);
    }
}
