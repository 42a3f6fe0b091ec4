package dev.mgiad.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Starts a class of the test classpath in a separate JVM, for what one process cannot show alone (locks, memory). */
final class ChildJvm {
    private ChildJvm() { }

    static ProcessBuilder of(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    static Process start(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        return of(jvmOptions, main, args).redirectErrorStream(false).start();
    }
}
