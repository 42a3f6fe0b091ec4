package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Storage;

/**
 * Host memory of a CPU tensor: a heap {@code float[]}.
 *
 * <p>Why not an aligned off-heap {@code MemorySegment}: each Vector API load from a segment inlines a liveness and
 * bounds check that C2 cannot fold, and the 48-FMA convolution micro-kernels then overflow C2's inlining node
 * budget ({@code NodeCountInliningCutoff}); the calls left out of line box every vector and the kernel ran at
 * 6 GFLOP/s instead of 110 per core. Array loads are small enough in the IR. The price: element 0 lies 16 bytes into
 * the object, so vector loads from a tensor straddle two cache lines. At 4 loads per 16 FMAs (the forward kernels)
 * that measured no loss; at 8 per 16 (the weight gradients' and Winograd's inner loops) it did, so those loops read
 * panels that start at {@link Simd#ALIGN} (session 9). Aligning the tensors too means an index offset in every
 * kernel: not done yet.
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
