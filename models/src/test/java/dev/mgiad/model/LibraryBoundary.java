package dev.mgiad.model;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the library artifacts must not bring with them, as one class of each thing, checked on the test class path of
 * each module (its compile and runtime dependencies plus JUnit): a dependency that would bring one (picocli, JOCL,
 * the opencl or cli module, or for models the data sets and training) fails the build there. The cli module's
 * {@code LibraryBoundaryTest} loads every one of these names, so a misspelt name cannot make the check pass.
 * Shared through this module's test-jar.
 */
public final class LibraryBoundary {
    private LibraryBoundary() { }

    /** The command line, its parser and the OpenCL binding: in neither models nor train. */
    public static final List<String> COMMAND_LINE_AND_OPENCL = List.of(
            "picocli.CommandLine", "org.jocl.CL", "dev.mgiad.opencl.OpenClBackend", "dev.mgiad.cli.Main");

    /** What train adds to models: models needs the engine alone. */
    public static final List<String> TRAINING_AND_DATA = List.of(
            "dev.mgiad.train.Trainer", "dev.mgiad.datasets.BatchLoader");

    /** Fails, naming them, if any of these classes can be loaded here. */
    public static void assertNotLoadable(List<String> classNames) {
        List<String> found = new ArrayList<>();
        for (String name : classNames) {
            try {
                Class.forName(name, false, LibraryBoundary.class.getClassLoader());
                found.add(name);
            } catch (ClassNotFoundException expected) {
                // not on this module's class path, as it should be
            }
        }
        assertEquals(List.of(), found, "on the class path of a library module, which must not depend on them");
    }
}
