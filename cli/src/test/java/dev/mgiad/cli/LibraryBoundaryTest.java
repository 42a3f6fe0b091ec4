package dev.mgiad.cli;

import dev.mgiad.model.LibraryBoundary;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

/**
 * The counterpart of the library modules' {@code LibraryClassPathTest}: here, where everything is on the class path,
 * every class they must not see loads, so a renamed or misspelt name in {@link LibraryBoundary} fails here instead
 * of passing there for the wrong reason.
 */
class LibraryBoundaryTest {
    @Test
    void everyNameTheLibraryChecksExists() {
        List<String> names = new ArrayList<>(LibraryBoundary.COMMAND_LINE_AND_OPENCL);
        names.addAll(LibraryBoundary.TRAINING_AND_DATA);
        for (String name : names) {
            assertDoesNotThrow(() -> Class.forName(name, false, getClass().getClassLoader()), name);
        }
    }
}
