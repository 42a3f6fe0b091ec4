package dev.mgiad.model;

import org.junit.jupiter.api.Test;

/** The models artifact needs the engine alone: no data sets, training, OpenCL or command line come with it. */
class LibraryClassPathTest {
    @Test
    void noCommandLineOrOpenClOnTheClassPath() {
        LibraryBoundary.assertNotLoadable(LibraryBoundary.COMMAND_LINE_AND_OPENCL);
    }

    @Test
    void noTrainingOrDataSetsOnTheClassPath() {
        LibraryBoundary.assertNotLoadable(LibraryBoundary.TRAINING_AND_DATA);
    }
}
