package dev.mgiad.engine.distributed;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FFM binding of Open MPI under {@code mpirun -np 2} on localhost (skipped where mpirun is absent). */
class MpiCommunicatorTest {

    @BeforeAll
    static void needsMpirun() { Assumptions.assumeTrue(MpiRun.mpirun() != null, MpiRun.why()); }

    private static MpiRun.Result selfTest(String mode) throws Exception {
        return MpiRun.run(MpiRun.builder(2, MpiSelfTest.class.getName(), List.of(mode)), 120);
    }

    @Test
    void collectivesGiveTheSumsAndBroadcastOfEveryRank() throws Exception {
        MpiRun.Result r = selfTest("collectives");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("ok rank 0 of 2") && r.out().contains("ok rank 1 of 2"), r.all());
        assertFalse(r.out().contains("FAIL"), r.all());
    }

    @Test
    void aRankThatAbortsEndsTheRankWaitingInACollective() throws Exception {
        MpiRun.Result r = selfTest("abort");
        assertEquals(3, r.code(), r.all());
        assertFalse(r.out().contains("UNREACHABLE"), r.all());
        assertTrue(r.seconds() < 30, "took " + r.seconds() + " s");
    }

    @Test
    void theWatchdogEndsACollectiveWhosePeerNeverComes() throws Exception {
        MpiRun.Result r = selfTest("hang");
        assertEquals(4, r.code(), r.all());
        assertTrue(r.err().contains("rank 0: MPI_Allreduce of 16 floats got no answer from the other ranks within 2 s"), r.all());
        // the watchdog fired after its 2 s, not before (scheduling on a loaded machine can only make it later)
        java.util.regex.Matcher waited = java.util.regex.Pattern.compile("within 2 s: a rank has died or hangs \\(after ([0-9.]+) s\\)").matcher(r.err());
        assertTrue(waited.find(), r.all());
        assertTrue(Double.parseDouble(waited.group(1)) >= 2.0, r.all());
        // and MPI_Abort ended rank 1, which sleeps 120 s: the job did not wait for it (the bound includes two JVM starts
        // and MPI_Init, which take 2-20 s depending on the machine's load)
        assertTrue(r.seconds() < 90, "took " + r.seconds() + " s");
    }

    @Test
    void launcherDetection() {
        assertEquals(0, Launcher.processes(Map.of()));
        assertEquals(4, Launcher.mpiRanks(Map.of("OMPI_COMM_WORLD_SIZE", "4")));
        assertEquals(3, Launcher.mpiRanks(Map.of("PMI_SIZE", "3")));
        Map<String, String> pmix = Map.of("PMIX_RANK", "0", "SLURM_PROCID", "0", "SLURM_STEP_NUM_TASKS", "2", "SLURM_MPI_TYPE", "pmix");
        assertEquals(2, Launcher.mpiRanks(pmix));
        assertNull(Launcher.srunWithoutPmix(pmix));
        // plain srun: two processes, but no MPI job; the same with --mpi=pmi2, which Open MPI cannot join
        Map<String, String> plain = Map.of("SLURM_PROCID", "1", "SLURM_STEP_NUM_TASKS", "2");
        assertEquals(0, Launcher.mpiRanks(plain));
        assertEquals(2, Launcher.processes(plain));
        assertTrue(Launcher.srunWithoutPmix(plain).startsWith("srun started 2 tasks without an MPI plugin"), Launcher.srunWithoutPmix(plain));
        Map<String, String> pmi2 = Map.of("SLURM_PROCID", "0", "SLURM_STEP_NUM_TASKS", "2", "PMI_SIZE", "2", "SLURM_MPI_TYPE", "pmi2");
        assertTrue(Launcher.srunWithoutPmix(pmi2).contains("with --mpi=pmi2") && Launcher.srunWithoutPmix(pmi2).contains("run srun --mpi=pmix"));
        // an sbatch script (one process that may call mpirun) is no srun step
        Map<String, String> batch = Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "4", "SLURM_JOB_ID", "7");
        assertEquals(0, Launcher.processes(batch));
        assertNull(Launcher.srunWithoutPmix(batch));
        // mpirun inside an allocation: its ranks see Slurm's step of the daemons, and are an MPI job
        assertNull(Launcher.srunWithoutPmix(Map.of("OMPI_COMM_WORLD_SIZE", "4", "SLURM_PROCID", "0", "SLURM_STEP_NUM_TASKS", "2")));
        // ranks per machine and threads per rank
        assertEquals(3, Launcher.ranksOnThisMachine(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "3")));
        Map<String, String> nodes = Map.of("SLURM_PROCID", "0", "SLURM_STEP_NUM_TASKS", "7", "SLURM_STEP_TASKS_PER_NODE", "2(x3),1");
        assertEquals(2, Launcher.ranksOnThisMachine(nodes));
        assertEquals(2, Launcher.ranksOnThisMachine(with(nodes, "SLURM_NODEID", "2")));
        assertEquals(1, Launcher.ranksOnThisMachine(with(nodes, "SLURM_NODEID", "3")));
        assertEquals(8, Launcher.threadsPerRank(with(nodes, "SLURM_NODEID", "1"), 16));
        assertEquals(5, Launcher.threadsPerRank(with(nodes, "SLURM_CPUS_PER_TASK", "5"), 16));
        assertEquals(1, Launcher.threadsPerRank(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "4"), 2));
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> m = new java.util.HashMap<>(env);
        m.put(key, value);
        return m;
    }
}
