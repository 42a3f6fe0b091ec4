package dev.mgiad.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A one-node Slurm cluster for tests: munged (unless one already answers), slurmctld and slurmd in the foreground as
 * children of the test JVM, as root without systemd or cgroups (proctrack/linuxproc, task/none), state, spool and logs
 * in a temporary folder, ports picked free. {@link #start} says in one line why when it cannot start; {@link #close}
 * cancels leftover jobs and stops exactly the daemons it started.
 */
final class LocalSlurm implements AutoCloseable {
    private final Path dir;
    private final Path conf;
    private final List<Process> daemons = new ArrayList<>();

    /** Thrown when Slurm cannot run here; the message is the reason. */
    static final class Unavailable extends Exception {
        Unavailable(String why) { super(why); }
    }

    private LocalSlurm(Path dir) {
        this.dir = dir;
        this.conf = dir.resolve("slurm.conf");
    }

    /** The environment a Slurm client needs to reach this cluster. */
    Map<String, String> env() { return Map.of("SLURM_CONF", conf.toString()); }

    static LocalSlurm start(Path dir) throws Unavailable, IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) throw new Unavailable("the daemons must run as root; running as " + System.getProperty("user.name"));
        for (String exe : List.of("slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel", "munged", "munge", "setpriv")) {
            if (find(exe) == null) {
                throw new Unavailable(exe + " is not installed (apt-get install slurmctld slurmd slurm-client munge, as .ci/run does)");
            }
        }
        Files.createDirectories(dir);
        LocalSlurm s = new LocalSlurm(dir);
        try {
            s.startMunge();
            s.writeConf();
            s.daemons.add(s.daemon("slurmctld"));
            s.daemons.add(s.daemon("slurmd"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            String state = "";
            while (System.nanoTime() < deadline) {
                state = s.client(List.of("sinfo", "-h", "-o", "%t")).strip();
                if (state.equals("idle")) return s;
                for (Process p : s.daemons) {
                    if (!p.isAlive()) throw new Unavailable(p.info().command().orElse("a daemon") + " exited: " + s.logTail());
                }
                Thread.sleep(300);
            }
            throw new Unavailable("the node did not become idle in 40 s (sinfo: '" + state + "'): " + s.logTail());
        } catch (Unavailable | IOException | InterruptedException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void startMunge() throws Unavailable, IOException, InterruptedException {
        if (run(List.of("munge", "-n"), Map.of()).code == 0) return; // one is running already
        Path run = Path.of("/run/munge");
        Files.createDirectories(run);
        run(List.of("chown", "munge:munge", run.toString()), Map.of());
        Process m = new ProcessBuilder(find("setpriv"), "--reuid=munge", "--regid=munge", "--init-groups", find("munged"), "-F")
                .redirectErrorStream(true).redirectOutput(dir.resolve("munged.log").toFile()).start();
        daemons.add(m);
        for (int i = 0; i < 50; i++) {
            if (run(List.of("munge", "-n"), Map.of()).code == 0) return;
            if (!m.isAlive()) break;
            Thread.sleep(200);
        }
        throw new Unavailable("munged did not start: " + tail(dir.resolve("munged.log")));
    }

    private void writeConf() throws IOException, InterruptedException, Unavailable {
        // slurmd -C prints this machine's node line: NodeName=... CPUs=... RealMemory=...
        Result c = run(List.of(find("slurmd"), "-C"), Map.of());
        String node = c.out.lines().filter(l -> l.startsWith("NodeName=")).findFirst()
                .orElseThrow(() -> new Unavailable("slurmd -C printed no node line: " + c.out.strip()));
        String host = node.split("\\s+")[0].substring("NodeName=".length());
        String cpus = value(node, "CPUs"), mem = value(node, "RealMemory");
        for (String d : List.of("state", "spool", "log")) Files.createDirectories(dir.resolve(d));
        Files.writeString(conf, String.join("\n",
                "ClusterName=mgiadtest",
                "SlurmctldHost=" + host + "(127.0.0.1)",
                "SlurmctldPort=" + freePort(),
                "SlurmdPort=" + freePort(),
                "AuthType=auth/munge",
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_Core",
                "SlurmUser=root",
                "SlurmdUser=root",
                "MpiDefault=none",
                "JobAcctGatherType=jobacct_gather/none",
                "AccountingStorageType=accounting_storage/none",
                "ReturnToService=2",
                "StateSaveLocation=" + dir.resolve("state"),
                "SlurmdSpoolDir=" + dir.resolve("spool"),
                "SlurmctldPidFile=" + dir.resolve("slurmctld.pid"),
                "SlurmdPidFile=" + dir.resolve("slurmd.pid"),
                "SlurmctldLogFile=" + dir.resolve("log/slurmctld.log"),
                "SlurmdLogFile=" + dir.resolve("log/slurmd.log"),
                "NodeName=" + host + " NodeAddr=127.0.0.1 CPUs=" + cpus + " RealMemory=" + mem + " State=UNKNOWN",
                "PartitionName=debug Nodes=" + host + " Default=YES MaxTime=INFINITE State=UP", ""));
    }

    private static String value(String line, String key) throws Unavailable {
        for (String w : line.split("\\s+")) if (w.startsWith(key + "=")) return w.substring(key.length() + 1);
        throw new Unavailable("slurmd -C printed no " + key + ": " + line);
    }

    private Process daemon(String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(find(name), "-D", "-f", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log/" + name + ".out").toFile());
        pb.environment().putAll(env());
        return pb.start();
    }

    /** Runs a Slurm client command against this cluster and returns its output (stdout and stderr). */
    String client(List<String> cmd) throws IOException, InterruptedException { return run(cmd, env()).out; }

    String logTail() {
        StringBuilder b = new StringBuilder();
        for (String f : List.of("log/slurmctld.out", "log/slurmd.out", "log/slurmctld.log", "log/slurmd.log")) {
            String t = tail(dir.resolve(f));
            if (!t.isEmpty()) b.append(f).append(": ").append(t).append(" | ");
        }
        return b.toString();
    }

    @Override
    public void close() {
        if (daemons.size() >= 3 || daemons.stream().anyMatch(p -> p.info().command().orElse("").endsWith("slurmctld"))) {
            try {
                client(List.of("scancel", "--user=root"));
            } catch (IOException | InterruptedException ignored) {
                // the controller is going away anyway
            }
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        daemons.clear();
    }

    private record Result(int code, String out) { }

    private static Result run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out);
        }
        return new Result(p.exitValue(), out);
    }

    /** An executable on the PATH or in the sbin folders (root's PATH may lack them under some launchers). */
    static String find(String exe) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path f) {
        try {
            List<String> l = Files.readAllLines(f);
            return String.join(" / ", l.subList(Math.max(0, l.size() - 3), l.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
