package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Storage;

/**
 * Host memory of a CPU tensor: a heap {@code float[]}.
 *
 * <p>Why not an aligned off-heap {@code MemorySegment}: each Vector API load from a segment inlines a liveness and
 * bounds check that C2 cannot fold, and the 48-FMA convolution micro-kernels then overflow C2's inlining node
 * budget ({@code NodeCountInliningCutoff}); the calls left out of line box every vector and the kernel ran at
 * 6 GFLOP/s instead of 110 per core. Array loads are small enough in the IR. Split cache-line loads of the
 * 8-byte-aligned arrays measured no loss at the kernels' load-to-FMA ratio.
 */
public final class CpuStorage implements Storage {
    private final float[] data;

    public CpuStorage(long floats) {
        if (floats < 0 || floats > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a CPU tensor holds at most 2^31-16 floats, asked for " + floats);
        }
        this.data = new float[(int) Math.max(1, floats)];
    }

    public float[] array() { return data; }

    @Override public long floats() { return data.length; }
}
