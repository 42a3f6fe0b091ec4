package dev.mgiad.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/mgiad passes stderr through as it comes, minus the JVM's incubator warning, also into a pipe or a log file. */
class LauncherScriptTest {

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bin/mgiad")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        }
        return null;
    }

    private static void script(Path p, String body) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/usr/bin/env bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void stderrArrivesLineByLineWhileTheProgramRuns(@TempDir Path tmp) throws Exception {
        Path root = repoRoot();
        Assumptions.assumeTrue(root != null && Files.isExecutable(Path.of("/bin/bash")), "bin/mgiad or bash not found");
        // a copy of the launcher in a fake checkout whose "JDK" prints like a JVM and then keeps running
        Files.createDirectories(tmp.resolve("bin"));
        Files.copy(root.resolve("bin/mgiad"), tmp.resolve("bin/mgiad"));
        Files.setPosixFilePermissions(tmp.resolve("bin/mgiad"), PosixFilePermissions.fromString("rwxr-xr-x"));
        script(tmp.resolve("bin/jdk25"), "echo " + tmp.resolve("jdk"));
        script(tmp.resolve("jdk/bin/java"), "echo 'WARNING: Using incubator modules: jdk.incubator.vector' >&2\n"
                + "echo 'downloading 1 of 2' >&2\nsleep 4\necho 'finished' >&2");
        Files.createDirectories(tmp.resolve("cli/target"));
        Files.writeString(tmp.resolve("cli/target/mgiad.jar"), "");
        Process p = new ProcessBuilder("/bin/bash", tmp.resolve("bin/mgiad").toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return err.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(3, TimeUnit.SECONDS); // before the fake JVM ends (4 s): a buffering filter would time out here
            assertEquals("downloading 1 of 2", first, "the incubator warning is dropped, the progress line passes at once");
            assertTrue(p.isAlive());
            assertEquals("finished", err.readLine());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
