package dev.mgiad.cli;

import dev.mgiad.engine.distributed.Launcher;
import dev.mgiad.engine.distributed.MpiCommunicator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code mpirun -np P mgiad bench allreduce}: the time of one in-place float {@code MPI_Allreduce} of each model's
 * gradient, what data-parallel training sends every step, through the same binding the trainer uses.
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
        description = {"Times MPI_Allreduce of the gradients of MGiaD c_K=64 g_s=4, ResNet20 and ResNet18 (or --floats) "
                + "between the ranks of an MPI job; run under mpirun -np P. Prints the median time and the bus bandwidth "
                + "2(P-1)/P * bytes / time (nccl-tests' definition).",
                "Example: mpirun -np 2 bin/mgiad bench allreduce"})
final class BenchAllReduceCommand implements Callable<Integer> {
    @Option(names = "--floats", split = ",", paramLabel = "N,...", description = "Message sizes in floats (default: the three models' weight counts).")
    long[] floats;
    @Option(names = "--rounds", defaultValue = "20", description = "Timed all-reduces per size, after 3 untimed (default: ${DEFAULT-VALUE}).")
    int rounds;

    private static final String[] NAMES = {"MGiaD c_K=64 g_s=4", "ResNet20", "ResNet18"};
    private static final long[] WEIGHTS = {393_034, 269_722, 11_173_962};

    @Override
    public Integer call() {
        if (Launcher.processes(System.getenv()) == 0) {
            throw new IllegalArgumentException("bench allreduce needs an MPI launcher: mpirun -np 2 bin/mgiad bench allreduce");
        }
        String srun = Launcher.srunWithoutPmix(System.getenv());
        if (srun != null) throw new IllegalArgumentException(srun);
        if (rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
        long[] sizes = floats != null ? floats : WEIGHTS;
        MpiCommunicator comm = MpiCommunicator.start(Duration.ofSeconds(120));
        try (Arena arena = Arena.ofShared()) {
            int p = comm.size();
            if (comm.isRoot()) {
                System.out.printf(Locale.ROOT, "# MPI_Allreduce (float, sum, in place) over %d ranks, median of %d%n", p, rounds);
                System.out.println("| gradient of | floats | MB | median ms | bus GB/s |");
                System.out.println("|---|---|---|---|---|");
            }
            for (int i = 0; i < sizes.length; i++) {
                long n = sizes[i];
                if (n < 1 || n > Integer.MAX_VALUE) throw new IllegalArgumentException("--floats must be in [1, 2^31), got " + n);
                MemorySegment buf = arena.allocate(4 * n, 64);
                double[] ms = new double[rounds];
                for (int r = -3; r < rounds; r++) {
                    comm.barrier();
                    long t0 = System.nanoTime();
                    comm.allReduceFloats(buf, (int) n);
                    if (r >= 0) ms[r] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(ms);
                double[] median = {ms[rounds / 2]};
                comm.sumInPlace(median); // the mean over ranks of each rank's median
                double t = median[0] / p;
                if (comm.isRoot()) {
                    String name = floats != null ? "-" : NAMES[i];
                    System.out.printf(Locale.ROOT, "| %s | %,d | %.2f | %.2f | %.2f |%n", name, n, 4e-6 * n, t,
                            2.0 * (p - 1) / p * 4 * n / (t * 1e6));
                }
            }
        } finally {
            comm.close();
        }
        return 0;
    }
}
