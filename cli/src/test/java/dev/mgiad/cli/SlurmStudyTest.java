package dev.mgiad.cli;

import dev.mgiad.study.JavaLauncher;
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
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A study of two tiny configurations through a real one-node Slurm: `mgiad study --slurm` writes and submits the job
 * array and the collect job, the array runs one `mgiad train` per task, the collect job writes the table. Skipped,
 * with the reason, where Slurm cannot start (not root, packages missing, daemons failing); the local path and the
 * script's resume rules are tested without Slurm in {@link StudyCommandTest}.
 */
class SlurmStudyTest {

    @Test
    void studyRunsAsAJobArray(@TempDir Path tmp) throws Exception {
        Path data = TrainCliTest.sharedData();
        Assumptions.assumeTrue(data != null, "shared/data/fashion-mnist not found next to the repository");
        LocalSlurm slurm;
        try {
            slurm = LocalSlurm.start(tmp.resolve("slurm"));
        } catch (LocalSlurm.Unavailable e) {
            Assumptions.abort("Slurm cannot start here: " + e.getMessage());
            return;
        }
        try (slurm) {
            Path f = tmp.resolve("tiny.study");
            Files.writeString(f, "name tiny\nseeds 0\ncommon --dataset fashion-mnist --data-dir " + data
                    + " --epochs 1 --limit-train 128 --limit-test 64 --batch-size 64\n"
                    + "config r20 --model resnet20 --widths 4,8,8\n"
                    + "config mgiad --model mgiad --widths 4,8 --ck 4 --gs 2\n");
            List<String> cmd = new ArrayList<>(JavaLauncher.command(20));
            cmd.addAll(List.of("study", f.toString(), "--slurm", "--cpus-per-task", "1", "--parallel", "2"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(slurm.env());
            pb.environment().put("PATH", Path.of(LocalSlurm.find("sbatch")).getParent() + ":" + System.getenv().getOrDefault("PATH", ""));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.contains("submitted job array"), out);
            String array = out.replaceAll("(?s).*submitted job array (\\d+).*", "$1");

            Path results = tmp.resolve("tiny/results.csv");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
            while (!slurm.client(List.of("squeue", "-h")).isBlank() || !Files.exists(results)) {
                if (System.nanoTime() > deadline) {
                    fail("the study did not finish on Slurm in 8 minutes: squeue: " + slurm.client(List.of("squeue")) + slurm.logTail());
                }
                Thread.sleep(1000);
            }
            List<String> csv = Files.readAllLines(results);
            assertEquals(3, csv.size(), String.join("\n", csv));
            assertTrue(csv.get(1).startsWith("r20,ResNet,0,finished,") && csv.get(2).startsWith("mgiad,MGiaD,0,finished,"),
                    String.join("\n", csv));
            String task0 = Files.readString(tmp.resolve("tiny/slurm/tiny-" + array + "_0.out"));
            assertTrue(task0.contains("r20-seed0: starting (task 0, job ") && task0.contains("test accuracy"), task0);
            assertTrue(Files.readString(tmp.resolve("tiny/mgiad-seed0/train.log")).contains("--threads 1"),
                    "the run takes --threads from SLURM_CPUS_PER_TASK");
            assertTrue(Files.exists(tmp.resolve("tiny/accuracy-vs-weights.svg")));
        }
    }
}
