package dev.mgiad.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The train/eval command line end to end on a slice of the real Fashion-MNIST (skipped where shared/data is absent). */
class TrainCliTest {

    /** The shared data folder next to the repository, found by walking up from the working directory. */
    static Path sharedData() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("shared/data");
            if (Files.isDirectory(d.resolve("fashion-mnist"))) return d;
        }
        return null;
    }

    private static ParamsCommandTest.Result run(String... args) { return ParamsCommandTest.run(args); }

    @Test
    void trainStopResumeAndEvaluate(@TempDir Path tmp) throws Exception {
        Path data = sharedData();
        Assumptions.assumeTrue(data != null, "shared/data/fashion-mnist not found next to the repository");
        Path dir = tmp.resolve("run");
        String[] common = {"--dataset", "fashion-mnist", "--widths", "4,8", "--ck", "4", "--gs", "2", "--limit-train", "256",
                "--limit-test", "128", "--batch-size", "64", "--threads", "1", "--data-dir", data.toString()};
        String[] first = concat(new String[]{"train", "--epochs", "2", "--stop-after", "1", "--init", "he", "--val-split", "64", "--out", dir.toString()}, common);
        var a = run(first);
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("test accuracy"), a.out());
        assertEquals(2, Files.readAllLines(dir.resolve("metrics.csv")).size());
        assertTrue(a.out().contains("192 train / 64 validation / 128 test images"), a.out());
        assertTrue(a.out().contains("| val loss "), a.out());
        assertTrue(Files.readString(dir.resolve("metrics.json")).contains("\"init\":\"he\""), "the init is part of the run's options");
        var b = run("train", "--resume", dir.toString(), "--data-dir", data.toString(), "--threads", "1");
        assertEquals(0, b.code(), b.err());
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(3, csv.size(), "the resumed run appends epoch 2");
        assertTrue(csv.get(0).endsWith(",val_loss,val_accuracy"), csv.get(0));
        for (String row : csv) assertEquals(10, row.split(",").length, row);
        assertTrue(Files.readString(dir.resolve("metrics.json")).contains("\"val_accuracy\""));
        assertTrue(Files.readString(dir.resolve("checkpoint.json")).contains("ckpt-0002"));
        var again = run("train", "--resume", dir.toString(), "--data-dir", data.toString());
        assertNotEquals(0, again.code());
        assertTrue(again.err().contains("already finished"), again.err());
        var lr = run("train", "--resume", dir.toString(), "--lr", "0.1");
        assertTrue(lr.err().contains("--lr cannot be given with --resume"), lr.err());
        var init = run("train", "--resume", dir.toString(), "--init", "uniform");
        assertTrue(init.err().contains("--init cannot be given with --resume"), init.err());
        var ev = run("eval", "--checkpoint", dir.toString(), "--data-dir", data.toString(), "--limit-test", "128", "--confusion");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("top-1 accuracy") && ev.out().contains("top-5 accuracy") && ev.out().contains("Ankle boot") && ev.out().contains("confusion matrix"), ev.out());
        assertTrue(Files.isRegularFile(dir.resolve("best.json")), "a run with --val-split keeps its best-validation weights");
        try (var l = Files.list(dir)) {
            assertEquals(1, l.filter(p -> p.getFileName().toString().startsWith("best-")).count(), "one best folder");
        }
        var best = run("eval", "--checkpoint", dir.toString(), "--data-dir", data.toString(), "--limit-test", "128", "--best");
        assertEquals(0, best.code(), best.err());
        assertTrue(best.out().contains(", best validation (epoch "), best.out());
        var noTrain = run(concat(new String[]{"train", "--epochs", "1", "--val-split", "256", "--out", tmp.resolve("v").toString()}, common));
        assertNotEquals(0, noTrain.code());
        assertTrue(noTrain.err().contains("--val-split 256 leaves no training images (the training split has 256)"), noTrain.err());
        var occupied = run(concat(new String[]{"train", "--epochs", "1", "--out", dir.toString()}, common));
        assertTrue(occupied.err().contains("already holds a run"), occupied.err());
        Path plain = tmp.resolve("plain");
        assertEquals(0, run(concat(new String[]{"train", "--epochs", "1", "--out", plain.toString()}, common)).code());
        assertFalse(Files.exists(plain.resolve("best.json")));
        var noBest = run("eval", "--checkpoint", plain.toString(), "--data-dir", data.toString(), "--best");
        assertNotEquals(0, noBest.code());
        assertTrue(noBest.err().contains("no best checkpoint in") && noBest.err().contains("--val-split"), noBest.err());
    }

    @Test
    void missingDataAndBadFlagsGiveOneLineErrors(@TempDir Path tmp) {
        var r = run("train", "--dataset", "cifar100", "--data-dir", tmp.toString(), "--out", tmp.resolve("x").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("cifar") && !r.err().contains("\tat "), r.err());
        var bad = run("train", "--epochs", "0", "--data-dir", tmp.toString());
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("--epochs must be >= 1"), bad.err());
        var init = run("train", "--init", "xavier", "--data-dir", tmp.toString());
        assertNotEquals(0, init.code());
        assertTrue(init.err().contains("unknown weight init 'xavier'") && !init.err().contains("\tat "), init.err());
        var zero = run("train", "--model", "mgiad", "--zero-init-residual", "--data-dir", tmp.toString());
        assertTrue(zero.err().contains("--zero-init-residual applies to resnet18 and resnet20 only"), zero.err());
        var dev = run("bench", "model", "--model", "resnet20", "--device", "gpu9");
        assertTrue(dev.err().contains("--device must be cpu, opencl or opencl:N"), dev.err());
        var algo = run("bench", "conv", "--conv-algo", "fft", "--only", "dw");
        assertNotEquals(0, algo.code());
        assertTrue(algo.err().contains("--conv-algo must be auto, direct or winograd") && !algo.err().contains("\tat "), algo.err());
        var unknown = run("train", "--no-such-flag");
        assertEquals(2, unknown.code());
        var noCkpt = run("eval", "--checkpoint", tmp.toString());
        assertTrue(noCkpt.err().contains("no checkpoint in"), noCkpt.err());
        assertFalse(noCkpt.err().contains("Exception"), noCkpt.err());
    }

    @Test
    void versionAndHelp() {
        var v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("mgiad "), v.out());
        var h = run("--help");
        assertTrue(h.out().contains("train") && h.out().contains("params") && h.out().contains("bench"), h.out());
    }

    static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
