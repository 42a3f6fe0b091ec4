package dev.mgiad.cli;

import dev.mgiad.engine.distributed.MpiRun;
import dev.mgiad.train.SafeTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mgiad train --distributed} under {@code mpirun -np 2} on localhost, on a small generated Fashion-MNIST-format
 * data set: 2 ranks x batch 32 with --sync-bn give the weights of 1 process x batch 64 (and per-rank batch norm does
 * not, so the tolerance can fail); a run resumes with another number of ranks; a killed rank stops the job; launcher
 * and flag mistakes are one line. Skipped where mpirun is absent (CI installs Open MPI).
 */
class DistributedTrainTest {
    /**
     * Max |difference| of the weights after 4 SGD steps allowed between 2 ranks and 1 process (float sums reorder).
     * Since batch-norm statistics come from per-row partials (fused conv + BN, issue 9), measured: 1.25e-5 after 4
     * steps, 1.0e-4 after 8, against 3.5e-3 with per-rank batch norm; why one process and 2 ranks now differ by more
     * than double rounding is not yet understood (open in issue 9's report).
     */
    private static final double TOLERANCE = 6e-5;

    private static String[] common(Path data) {
        return new String[]{"--dataset", "fashion-mnist", "--widths", "4,8", "--ck", "4", "--gs", "2",
                "--limit-test", "64", "--batch-size", "64", "--lr", "0.02", "--threads", "1", "--data-dir", data.toString()};
    }

    /**
     * Fashion-MNIST-format files (the reader insists on 60,000 + 10,000 images) whose images are a class-dependent
     * bar plus noise, so that a few steps learn something.
     */
    static Path syntheticFashion(Path dir) throws IOException {
        Path d = Files.createDirectories(dir.resolve("fashion-mnist"));
        Random r = new Random(11);
        for (String split : new String[]{"train", "t10k"}) {
            int n = split.equals("train") ? 60_000 : 10_000;
            byte[] img = new byte[16 + n * 784], lab = new byte[8 + n];
            java.nio.ByteBuffer.wrap(img).putInt(2051).putInt(n).putInt(28).putInt(28);
            java.nio.ByteBuffer.wrap(lab).putInt(2049).putInt(n);
            byte[] noise = new byte[784 * 64];
            r.nextBytes(noise);
            for (int i = 0; i < n; i++) {
                int label = r.nextInt(10), base = 16 + i * 784, shift = r.nextInt(64) * 784;
                lab[8 + i] = (byte) label;
                for (int p = 0; p < 784; p++) {
                    int y = p / 28, x = p % 28;
                    int v = (noise[(shift + p) % noise.length] & 0x3f) + (y / 3 == label || x / 3 == 9 - label ? 150 : 0);
                    img[base + p] = (byte) v;
                }
            }
            Files.write(d.resolve(split + "-images-idx3-ubyte"), img);
            Files.write(d.resolve(split + "-labels-idx1-ubyte"), lab);
        }
        return dir;
    }

    private static MpiRun.Result mpirun(int ranks, String... args) throws Exception {
        return MpiRun.run(MpiRun.builder(ranks, Main.class.getName(), List.of(args)), 240);
    }

    private static String[] concat(String[] a, String... b) { return TrainCliTest.concat(a, b); }

    private static Map<String, SafeTensors.Entry> weights(Path run, String ckpt) throws IOException {
        return SafeTensors.read(run.resolve(ckpt).resolve("model.safetensors")).tensors();
    }

    /** Largest |a - b| over every tensor of two checkpoints (weights and batch-norm buffers). */
    private static double maxDifference(Map<String, SafeTensors.Entry> a, Map<String, SafeTensors.Entry> b) {
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        for (var e : a.entrySet()) {
            float[] x = e.getValue().data(), y = b.get(e.getKey()).data();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }

    @Test
    void twoRanksWithSyncBnTrainLikeOneProcessAndResumeWithAnotherRankCount(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(MpiRun.mpirun() != null, MpiRun.why());
        Path data = syntheticFashion(tmp.resolve("data"));
        // one process, batch 64: epoch 1 (kept aside), then epoch 2
        Path single = tmp.resolve("single");
        var s1 = ParamsCommandTest.run(concat(concat(new String[]{"train"}, common(data)), "--limit-train", "256", "--epochs", "2", "--stop-after", "1", "--out", single.toString()));
        assertEquals(0, s1.code(), s1.err());
        var afterOneEpoch = weights(single, "ckpt-0001");
        var s2 = ParamsCommandTest.run("train", "--resume", single.toString(), "--data-dir", data.toString(), "--threads", "1");
        assertEquals(0, s2.code(), s2.err());

        // two ranks, 32 images each, synchronised batch norm: the same 4 steps
        Path sync = tmp.resolve("sync");
        var d = mpirun(2, concat(concat(new String[]{"train", "--distributed", "--sync-bn"}, common(data)),
                "--limit-train", "256", "--epochs", "2", "--stop-after", "1", "--out", sync.toString()));
        assertEquals(0, d.code(), d.all());
        assertTrue(d.out().contains("2 ranks (MPI), synchronised batch norm"), d.out());
        assertEquals(1, d.out().split("test accuracy", -1).length - 1, "only rank 0 reports: " + d.out());
        double diff = maxDifference(afterOneEpoch, weights(sync, "ckpt-0001"));
        assertTrue(diff < TOLERANCE, "2 ranks x 32 with --sync-bn vs 1 process x 64: max weight difference " + diff);

        // per-rank batch norm (the default) normalises with 32-image statistics: visibly different, so the tolerance can fail
        Path local = tmp.resolve("local");
        var n = mpirun(2, concat(concat(new String[]{"train", "--distributed"}, common(data)),
                "--limit-train", "256", "--epochs", "2", "--stop-after", "1", "--out", local.toString()));
        assertEquals(0, n.code(), n.all());
        double localDiff = maxDifference(afterOneEpoch, weights(local, "ckpt-0001"));
        assertTrue(localDiff > 20 * TOLERANCE, "per-rank batch norm should differ from one process: " + localDiff);

        // resume the 2-rank run as one process: epoch 2 ends where the single process's epoch 2 ended
        var r = ParamsCommandTest.run("train", "--resume", sync.toString(), "--data-dir", data.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        double resumed = maxDifference(weights(single, "ckpt-0002"), weights(sync, "ckpt-0002"));
        System.out.printf("distributed test: max weight difference after 4 steps %.3g (sync-bn), %.3g (per-rank bn); after 8 steps %.3g%n",
                diff, localDiff, resumed);
        assertTrue(resumed < 2 * TOLERANCE, "2 ranks then 1 process vs 1 process throughout: " + resumed);
        assertEquals(3, Files.readAllLines(sync.resolve("metrics.csv")).size());
    }

    @Test
    void aKilledRankStopsTheJobAndTheLastCheckpointStaysIntact(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(MpiRun.mpirun() != null, MpiRun.why());
        Path data = syntheticFashion(tmp.resolve("data"));
        Path run = tmp.resolve("run");
        String[] args = concat(concat(new String[]{"train", "--distributed"}, common(data)),
                "--limit-train", "512", "--epochs", "20", "--out", run.toString());
        ProcessBuilder pb = MpiRun.builder(2, Main.class.getName(), List.of(args));
        Path log = tmp.resolve("log.txt");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.exists(run.resolve("checkpoint.json")) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
            assertTrue(Files.exists(run.resolve("checkpoint.json")), "no checkpoint: " + Files.readString(log));
            List<ProcessHandle> ranks = new ArrayList<>(p.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList());
            assertEquals(2, ranks.size(), "two java ranks under mpirun");
            ranks.getLast().destroyForcibly(); // SIGKILL in the middle of epoch 2
            long t0 = System.nanoTime();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the job did not stop after a rank was killed");
            double secs = (System.nanoTime() - t0) / 1e9;
            assertNotEquals(0, p.exitValue(), Files.readString(log));
            assertTrue(secs < 30, "stopping took " + secs + " s");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        // the pointer names a complete checkpoint, which evaluates
        var ev = ParamsCommandTest.run("eval", "--checkpoint", run.toString(), "--data-dir", data.toString(), "--limit-test", "64", "--threads", "1");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("top-1 accuracy"), ev.out());
    }

    @Test
    void launcherAndFlagMistakesAreOneLine(@TempDir Path tmp) throws Exception {
        var noLauncher = ParamsCommandTest.run("train", "--distributed", "--data-dir", tmp.toString());
        assertNotEquals(0, noLauncher.code());
        assertTrue(noLauncher.err().contains("--distributed needs an MPI launcher: run mpirun -np P bin/mgiad train --distributed"),
                noLauncher.err());
        var syncAlone = ParamsCommandTest.run("train", "--sync-bn", "--data-dir", tmp.toString());
        assertTrue(syncAlone.err().contains("--sync-bn needs --distributed"), syncAlone.err());

        // libmpi missing (a launcher's environment, a library that is not there)
        ProcessBuilder pb = new ProcessBuilder(MpiRun.java(Main.class.getName(), List.of("train", "--distributed", "--data-dir", tmp.toString())));
        pb.environment().put("OMPI_COMM_WORLD_SIZE", "2");
        pb.environment().put("MGIAD_MPI_LIBRARY", tmp.resolve("libmpi.so.40").toString());
        var missing = MpiRun.run(pb, 60);
        assertEquals(1, missing.code(), missing.all());
        assertTrue(missing.err().contains("was not found: install Open MPI, e.g. apt-get install openmpi-bin libopenmpi-dev"), missing.all());
        assertFalse(missing.err().contains("\tat "), missing.all());

        Assumptions.assumeTrue(MpiRun.mpirun() != null, MpiRun.why());
        var noFlag = mpirun(2, "train", "--data-dir", tmp.toString());
        assertNotEquals(0, noFlag.code());
        assertTrue(noFlag.err().contains("as one of 2 processes but without --distributed"), noFlag.all());
    }
}
