package dev.mgiad.engine.distributed;

import java.util.Map;

/**
 * What the environment says about the launcher that started this process, read before {@code MPI_Init} so that a
 * wrong launch is one line instead of an MPI library's abort banner: Open MPI's {@code mpirun}, or Slurm's
 * {@code srun}. Only {@code srun --mpi=pmix} starts an Open MPI job under Slurm: Debian's Open MPI 4.1 is built
 * against an external PMIx without Slurm's PMI-1/PMI-2 client, and Open MPI 5 dropped PMI-1/2 altogether, so a plain
 * {@code srun} or {@code srun --mpi=pmi2} leaves every task to fail in {@code MPI_Init}.
 */
public final class Launcher {
    private Launcher() { }

    /**
     * How many processes an MPI launcher started, or 0 when none did: Open MPI's mpirun sets
     * {@code OMPI_COMM_WORLD_SIZE}, PMIx launchers ({@code srun --mpi=pmix}, prterun) {@code PMIX_RANK}, MPICH's
     * hydra and {@code srun --mpi=pmi2} {@code PMI_SIZE}.
     */
    public static int mpiRanks(Map<String, String> env) {
        for (String k : new String[]{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
            String v = env.get(k);
            if (v != null && v.matches("\\d+")) return Integer.parseInt(v);
        }
        if (env.containsKey("PMIX_RANK")) return Math.max(1, srunTasks(env));
        return 0;
    }

    /**
     * Tasks of the {@code srun} step this process is one of ({@code SLURM_STEP_NUM_TASKS}), or 0 outside an srun step.
     * A batch script also sees {@code SLURM_NTASKS} and {@code SLURM_PROCID}, but it is one process that may call
     * mpirun itself, so those do not count.
     */
    public static int srunTasks(Map<String, String> env) {
        String v = env.get("SLURM_STEP_NUM_TASKS");
        return env.containsKey("SLURM_PROCID") && v != null && v.matches("\\d+") ? Integer.parseInt(v) : 0;
    }

    /** Processes started together with this one by any launcher (MPI or a plain {@code srun}); 0 when alone. */
    public static int processes(Map<String, String> env) { return Math.max(mpiRanks(env), srunTasks(env)); }

    /**
     * Null when MPI can start here; otherwise one line saying why it cannot: {@code srun} started several tasks
     * without its PMIx plugin ({@code SLURM_MPI_TYPE} pmi2, or none), which Open MPI cannot join.
     */
    public static String srunWithoutPmix(Map<String, String> env) {
        int tasks = srunTasks(env);
        if (tasks <= 1 || env.containsKey("PMIX_RANK") || env.containsKey("OMPI_COMM_WORLD_SIZE")) return null;
        String type = env.getOrDefault("SLURM_MPI_TYPE", "none");
        return "srun started " + tasks + " tasks " + (type.isBlank() || type.equals("none") ? "without an MPI plugin" : "with --mpi=" + type)
                + ", through which Open MPI cannot start (it starts under srun through PMIx only): run srun --mpi=pmix "
                + "(srun --mpi=list shows the plugins), or mpirun inside the allocation";
    }

    /**
     * Ranks the launcher placed on this machine, or 1 when unknown; they share its cores. mpirun sets
     * {@code OMPI_COMM_WORLD_LOCAL_SIZE}, MPICH {@code MPI_LOCALNRANKS}; srun {@code SLURM_STEP_TASKS_PER_NODE}, a
     * list such as {@code 2(x3),1} (two tasks on each of nodes 0-2, one on node 3) indexed by {@code SLURM_NODEID}.
     */
    public static int ranksOnThisMachine(Map<String, String> env) {
        for (String k : new String[]{"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"}) {
            String v = env.get(k);
            if (v != null && v.matches("\\d+") && Integer.parseInt(v) > 0) return Integer.parseInt(v);
        }
        String list = env.get("SLURM_STEP_TASKS_PER_NODE"), node = env.getOrDefault("SLURM_NODEID", "0");
        if (srunTasks(env) > 0 && list != null && node.matches("\\d+")) {
            int want = Integer.parseInt(node), at = 0;
            for (String part : list.split(",")) {
                var m = java.util.regex.Pattern.compile("(\\d+)(?:\\(x(\\d+)\\))?").matcher(part.strip());
                if (!m.matches()) return 1;
                at += m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
                if (want < at) return Math.max(1, Integer.parseInt(m.group(1)));
            }
        }
        return 1;
    }

    /**
     * Kernel threads for one rank when {@code --threads} is not given: under srun the CPUs Slurm gave each task
     * ({@code SLURM_CPUS_PER_TASK}); otherwise the machine's {@code cores} shared among the ranks on it.
     */
    public static int threadsPerRank(Map<String, String> env, int cores) {
        String cpus = env.get("SLURM_CPUS_PER_TASK");
        if (srunTasks(env) > 0 && cpus != null && cpus.matches("\\d+") && Integer.parseInt(cpus) > 0) return Integer.parseInt(cpus);
        return Math.max(1, cores / ranksOnThisMachine(env));
    }
}
