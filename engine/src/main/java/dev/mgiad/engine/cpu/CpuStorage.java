package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Storage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Host memory of a CPU tensor: an off-heap segment aligned to 64 bytes, so that every 512-bit vector load of a
 * batch-blocked position stays inside one cache line (heap float[] are only 8-byte aligned, and split loads cost
 * up to 2x in the convolution kernels). The segment is freed by the GC ({@link Arena#ofAuto()}).
 */
public final class CpuStorage implements Storage {
    private final MemorySegment segment;

    public CpuStorage(long floats) {
        if (floats < 0) throw new IllegalArgumentException("negative size " + floats);
        this.segment = Arena.ofAuto().allocate(Math.max(1, floats) * Float.BYTES, 64);
    }

    public MemorySegment segment() { return segment; }

    @Override public long floats() { return segment.byteSize() / Float.BYTES; }
}
