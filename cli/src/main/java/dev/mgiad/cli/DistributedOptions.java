package dev.mgiad.cli;

import dev.mgiad.engine.distributed.Launcher;
import dev.mgiad.engine.distributed.MpiCommunicator;
import dev.mgiad.train.DataParallel;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Map;

/**
 * {@code --distributed} and its options: data-parallel training over MPI, one rank per process started by
 * {@code mpirun -np P} or {@code srun --mpi=pmix}. Checks that the flags and the launcher agree before anything
 * runs, so that a forgotten {@code mpirun} or {@code --distributed} is one line saying what to run.
 */
final class DistributedOptions {
    @Option(names = "--distributed", description = "Data-parallel training over MPI: start with mpirun -np P (or srun --mpi=pmix); "
            + "each rank trains on batch-size/P images of every global batch and gradients are summed with MPI_Allreduce.")
    boolean distributed;

    @Option(names = "--sync-bn", description = "With --distributed: batch norm takes its statistics over the whole global batch "
            + "(all ranks), so P ranks compute what one process computes; default: per-rank statistics, as PyTorch DDP.")
    boolean syncBn;

    @Option(names = "--bucket-mb", defaultValue = "1", paramLabel = "MB", description = "With --distributed: gradient bucket size "
            + "in MB; each bucket is all-reduced as soon as the backward pass finished it (default: ${DEFAULT-VALUE}).")
    double bucketMb;

    @Option(names = "--no-overlap", description = "With --distributed: all-reduce the gradients only after the backward pass (for measurements).")
    boolean noOverlap;

    @Option(names = "--mpi-timeout", defaultValue = "120", paramLabel = "S", description = "With --distributed: stop every rank "
            + "when the others do not answer a collective within S seconds (a rank died or hangs) (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /**
     * Null without {@code --distributed} (after refusing an MPI launch without it); otherwise MPI started and the
     * rank's view of the run. Sets the kernel threads to the machine's cores shared among its ranks unless
     * {@code --threads} was given.
     */
    DataParallel start(DeviceOptions device, Map<String, String> env) {
        int launched = Launcher.processes(env);
        if (!distributed) {
            if (syncBn || noOverlap) throw new IllegalArgumentException((syncBn ? "--sync-bn" : "--no-overlap") + " needs --distributed");
            if (launched > 1) {
                throw new IllegalArgumentException("started by a launcher (mpirun, srun) as one of " + launched + " processes but without "
                        + "--distributed: each would train alone into the same run directory; add --distributed");
            }
            return null;
        }
        if (launched == 0) {
            throw new IllegalArgumentException("--distributed needs an MPI launcher: run mpirun -np P bin/mgiad train --distributed ... "
                    + "(or srun --mpi=pmix under Slurm)");
        }
        String srun = Launcher.srunWithoutPmix(env);
        if (srun != null) throw new IllegalArgumentException(srun);
        if (syncBn && !"cpu".equals(device.device)) {
            throw new IllegalArgumentException("--sync-bn runs on the CPU backend only so far (--device cpu); OpenCL has no synchronised batch norm");
        }
        if (!(bucketMb > 0) || bucketMb > 1024) throw new IllegalArgumentException("--bucket-mb must be in (0, 1024], got " + bucketMb);
        if (timeoutSeconds < 1) throw new IllegalArgumentException("--mpi-timeout must be >= 1 second, got " + timeoutSeconds);
        MpiCommunicator comm = MpiCommunicator.start(Duration.ofSeconds(timeoutSeconds));
        int tasks = Launcher.srunTasks(env);
        if (comm.size() == 1 && tasks > 1) {
            comm.close();
            throw new IllegalArgumentException("srun started " + tasks + " tasks but MPI sees each alone: run srun --mpi=pmix (see srun --mpi=list)");
        }
        if (device.threads == null) device.threads = Launcher.threadsPerRank(env, Runtime.getRuntime().availableProcessors());
        return new DataParallel(comm, syncBn, Math.round(bucketMb * 1e6), !noOverlap);
    }
}
