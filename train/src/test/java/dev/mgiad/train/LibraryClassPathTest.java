package dev.mgiad.train;

import dev.mgiad.model.LibraryBoundary;
import org.junit.jupiter.api.Test;

/** The train artifact (training, prediction, export) brings models and data sets, not OpenCL or the command line. */
class LibraryClassPathTest {
    @Test
    void noCommandLineOrOpenClOnTheClassPath() {
        LibraryBoundary.assertNotLoadable(LibraryBoundary.COMMAND_LINE_AND_OPENCL);
    }
}
