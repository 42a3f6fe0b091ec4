package dev.mgiad.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every package of every module's main sources has a {@code package-info.java} with a javadoc comment saying what it
 * holds (the README promises it). Here because this module sits above all others; it reads the sources from the
 * repository root.
 */
class PackageDocsTest {

    @Test
    void everyPackageIsDocumented() throws IOException {
        Path root = LauncherScriptTest.repoRoot();
        Assumptions.assumeTrue(root != null, "not run from a checkout");
        TreeSet<Path> packages = new TreeSet<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path src : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(src)) {
                    files.filter(f -> f.toString().endsWith(".java")).forEach(f -> packages.add(f.getParent()));
                }
            }
        }
        assertTrue(packages.size() >= 19, "found only " + packages.size() + " packages under " + root);
        List<String> undocumented = new ArrayList<>();
        for (Path p : packages) {
            Path info = p.resolve("package-info.java");
            if (!Files.isRegularFile(info) || !Files.readString(info).strip().startsWith("/**")) {
                undocumented.add(root.relativize(p).toString());
            }
        }
        assertEquals(List.of(), undocumented, "packages without a package-info.java that opens with a javadoc comment");
    }
}
