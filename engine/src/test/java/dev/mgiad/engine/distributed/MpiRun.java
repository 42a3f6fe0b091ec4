package dev.mgiad.engine.distributed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code mpirun -np P java ... MainClass args} on localhost for tests, with the test class path. Open MPI is
 * told to run as root (CI runs as root), to oversubscribe (CI has 2 cores) and to use shared memory without the
 * cross-memory-attach copy that containers forbid.
 */
public final class MpiRun {
    private MpiRun() { }

    /** What a finished (or killed) run printed and returned. */
    public record Result(int code, String out, String err, double seconds) {
        public String all() { return out + err; }
    }

    /** The mpirun on the PATH, or null. */
    public static Path mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    public static String why() { return "mpirun not on the PATH (apt-get install openmpi-bin libopenmpi-dev)"; }

    /** The command line {@code mpirun -np ranks java <test JVM options> -cp <test class path> mainClass args}. */
    public static ProcessBuilder builder(int ranks, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(mpirun().toString(), "--oversubscribe", "-np", String.valueOf(ranks)));
        cmd.addAll(java(mainClass, args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        env.put("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
        env.put("OMPI_MCA_btl", "self,vader");
        env.put("OMPI_MCA_rmaps_base_oversubscribe", "1");
        // hwloc's OpenCL plugin would start every OpenCL driver in mpirun and in each rank (rusticl's LLVM too, where
        // CI sets RUSTICL_ENABLE=llvmpipe): 1-2 s more before MPI_Init returns, past the 2 s watchdog of a busy machine
        env.put("HWLOC_COMPONENTS", "-opencl");
        return pb;
    }

    /** {@code java <test JVM options> -cp <test class path> mainClass args}, for a single process. */
    public static List<String> java(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /** Runs to the end or until {@code timeoutSeconds}, after which the whole process tree is killed. */
    public static Result run(ProcessBuilder pb, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("mpirun", ".out"), err = Files.createTempFile("mpirun", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Result r = new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), secs);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return r;
    }
}
