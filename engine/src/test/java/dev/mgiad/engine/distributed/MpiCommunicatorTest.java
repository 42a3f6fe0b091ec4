package dev.mgiad.engine.distributed;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
        assertEquals(0, MpiCommunicator.launchedRanks(Map.of()));
        assertEquals(4, MpiCommunicator.launchedRanks(Map.of("OMPI_COMM_WORLD_SIZE", "4")));
        assertEquals(3, MpiCommunicator.launchedRanks(Map.of("PMI_SIZE", "3")));
        assertEquals(2, MpiCommunicator.launchedRanks(Map.of("PMIX_RANK", "0", "SLURM_PROCID", "0", "SLURM_NTASKS", "2")));
        assertEquals(0, MpiCommunicator.launchedRanks(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2")),
                "plain srun without --mpi starts no MPI job");
        assertEquals(2, MpiCommunicator.slurmTasks(Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "2")));
        assertNotEquals(2, MpiCommunicator.slurmTasks(Map.of("SLURM_NTASKS", "2")));
    }
}
