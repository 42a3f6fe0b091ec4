package dev.mgiad.study;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts {@code mgiad} in a fresh JVM: this JVM's java, the JVM flags {@code bin/mgiad} uses, and
 * this JVM's class path made absolute, so a child run (or a Slurm array task started from another folder) runs
 * exactly the code of the study that started it. {@code MGIAD_JVM_OPTS} is passed on, as bin/mgiad does.
 */
public final class JavaLauncher {
    private JavaLauncher() { }

    public static final String MAIN = "dev.mgiad.cli.Main";

    /** The java executable of this JVM. */
    public static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * The JVM flags and main class (without the java executable).
     *
     * @param heapPercent the share of the machine's memory the child may take (K children share it)
     */
    public static List<String> jvmArgs(int heapPercent) {
        List<String> c = new ArrayList<>(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseParallelGC", "-XX:MaxRAMPercentage=" + Math.max(5, Math.min(75, heapPercent)),
                "-Xss8m")); // the JVM's default uncommon traps: see bin/mgiad
        String extra = System.getenv("MGIAD_JVM_OPTS");
        if (extra != null && !extra.isBlank()) c.addAll(List.of(extra.trim().split("\\s+")));
        c.add("-cp");
        c.add(classPath());
        c.add(MAIN);
        return c;
    }

    /** java plus {@link #jvmArgs}. */
    public static List<String> command(int heapPercent) {
        List<String> c = new ArrayList<>();
        c.add(java());
        c.addAll(jvmArgs(heapPercent));
        return c;
    }

    static String classPath() {
        List<String> parts = new ArrayList<>();
        for (String p : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!p.isEmpty()) parts.add(Path.of(p).toAbsolutePath().normalize().toString());
        }
        return String.join(File.pathSeparator, parts);
    }
}
