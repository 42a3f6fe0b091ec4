package dev.mgiad.cli;

import dev.mgiad.engine.distributed.MpiRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mgiad train --distributed} under Slurm, on a one-node Slurm ({@link LocalSlurm}): the shipped job script
 * {@code benchmarks/scaling/train.sbatch} (2 tasks, {@code srun --mpi=pmix}) trains one step that is bit for bit the
 * step of {@code mpirun -np 2} and one process's step to a float ulp; {@code srun} without PMIx and without
 * {@code --distributed} are one line each. Skipped, with the reason, where Slurm or Open MPI is missing or Slurm has
 * no PMIx plugin (CI installs all three).
 */
class SrunTrainTest {
    @TempDir static Path tmp;
    private static LocalSlurm slurm;
    private static String unavailable;

    @BeforeAll
    static void startSlurm() throws Exception {
        if (MpiRun.mpirun() == null) {
            unavailable = MpiRun.why();
            return;
        }
        try {
            slurm = LocalSlurm.start(tmp.resolve("slurm"));
        } catch (LocalSlurm.Unavailable e) {
            unavailable = "Slurm cannot start here: " + e.getMessage();
            return;
        }
        String plugins = slurm.client(List.of("srun", "--mpi=list"));
        if (!plugins.contains("pmix")) unavailable = "this Slurm has no PMIx plugin (srun --mpi=list: " + plugins.strip() + ")";
    }

    @AfterAll
    static void stopSlurm() {
        if (slurm != null) slurm.close();
    }

    private static Path repository() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("benchmarks/scaling/train.sbatch"))) return p;
        }
        throw new IllegalStateException("benchmarks/scaling/train.sbatch not found above " + Path.of("").toAbsolutePath());
    }

    /** A script that runs {@code mgiad} from the test class path, as bin/mgiad runs it from the jar. */
    private static Path mgiadScript() throws IOException {
        Path f = tmp.resolve("mgiad.sh");
        if (!Files.exists(f)) {
            String cmd = MpiRun.java(Main.class.getName(), List.of()).stream().map(a -> "'" + a.replace("'", "'\\''") + "'")
                    .collect(Collectors.joining(" "));
            Files.writeString(f, "#!/bin/sh\nexec " + cmd + " \"$@\"\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return f;
    }

    /** A Slurm client command with the test cluster's configuration and the environment MpiRun gives mpirun. */
    private static MpiRun.Result slurmCommand(List<String> cmd, long timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        Map<String, String> env = pb.environment();
        env.putAll(slurm.env());
        env.putAll(MpiRun.builder(1, Main.class.getName(), List.of()).environment());
        env.put("MGIAD", mgiadScript().toString());
        env.put("PATH", Path.of(LocalSlurm.find("srun")).getParent() + ":" + System.getenv().getOrDefault("PATH", ""));
        return MpiRun.run(pb, timeoutSeconds);
    }

    @Test
    void theJobScriptTrainsWithSrunAsMpirunAndOneProcessDo() throws Exception {
        Assumptions.assumeTrue(unavailable == null, unavailable);
        Path data = DistributedTrainTest.syntheticFashion(tmp.resolve("data"));
        String[] step = TrainCliTest.concat(DistributedTrainTest.common(data), new String[]{"--limit-train", "256", "--epochs", "2", "--stop-after-steps", "1"});
        Path single = tmp.resolve("single"), mpi = tmp.resolve("mpirun"), srun = tmp.resolve("srun");
        var s = ParamsCommandTest.run(TrainCliTest.concat(new String[]{"train"}, TrainCliTest.concat(step, new String[]{"--out", single.toString()})));
        assertEquals(0, s.code(), s.err());
        var m = DistributedTrainTest.mpirun(2, TrainCliTest.concat(new String[]{"train", "--distributed", "--sync-bn"},
                TrainCliTest.concat(step, new String[]{"--out", mpi.toString()})));
        assertEquals(0, m.code(), m.all());

        // the shipped script, shaped for this 2-core node on sbatch's command line; --wait returns the job's exit code
        List<String> cmd = new ArrayList<>(List.of(LocalSlurm.find("sbatch"), "--wait", "--nodes=1", "--ntasks-per-node=2",
                "--cpus-per-task=1", "--time=10", "--output=" + tmp.resolve("job.out"),
                repository().resolve("benchmarks/scaling/train.sbatch").toString(), "--sync-bn"));
        cmd.addAll(List.of(step));
        cmd.addAll(List.of("--out", srun.toString()));
        var job = slurmCommand(cmd, 300);
        String out = Files.exists(tmp.resolve("job.out")) ? Files.readString(tmp.resolve("job.out"), StandardCharsets.UTF_8) : "(no job output)";
        assertEquals(0, job.code(), job.all() + out + slurm.logTail());
        assertTrue(out.contains("2 ranks (MPI), synchronised batch norm"), out);

        String ckpt = "ckpt-0000-step000001";
        double vsMpirun = DistributedTrainTest.maxDifference(DistributedTrainTest.weights(mpi, ckpt), DistributedTrainTest.weights(srun, ckpt));
        double vsSingle = DistributedTrainTest.maxDifference(DistributedTrainTest.weights(single, ckpt), DistributedTrainTest.weights(srun, ckpt));
        System.out.printf("srun test: max difference after one step %.3g against mpirun, %.3g against one process%n", vsMpirun, vsSingle);
        assertEquals(0.0, vsMpirun, "srun and mpirun run the same ranks and the same sums (two terms: either order gives the same bits)");
        assertTrue(vsSingle < DistributedTrainTest.ONE_STEP_TOLERANCE, "srun vs one process: " + vsSingle);
    }

    @Test
    void srunWithoutPmixOrWithoutDistributedIsOneLine() throws Exception {
        Assumptions.assumeTrue(unavailable == null, unavailable);
        String mgiad = mgiadScript().toString(), dir = tmp.resolve("none").toString();
        String[][] cases = {
                {"--mpi=none", "--distributed", "srun started 2 tasks without an MPI plugin, through which Open MPI cannot start"},
                {"--mpi=pmi2", "--distributed", "srun started 2 tasks with --mpi=pmi2, through which Open MPI cannot start"},
                {"--mpi=pmix", "--stop-after=1", "as one of 2 processes but without --distributed"}};
        for (String[] c : cases) {
            var r = slurmCommand(List.of(LocalSlurm.find("srun"), c[0], "-n", "2", "--kill-on-bad-exit=1", mgiad, "train", c[1],
                    "--data-dir", dir, "--out", dir), 120);
            assertNotEquals(0, r.code(), r.all());
            assertTrue(r.all().contains(c[2]), c[0] + " " + c[1] + ": " + r.all());
            assertFalse(r.all().contains("\tat "), r.all());
            assertFalse(r.all().contains("MPI_Init"), "refused before MPI starts: " + r.all());
        }
    }
}
