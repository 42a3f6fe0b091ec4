package dev.mgiad.engine.tensor;

/** Memory that belongs to one backend (host memory on the CPU, a cl_mem on OpenCL). */
public interface Storage {
    /** Capacity in floats. */
    long floats();
}
