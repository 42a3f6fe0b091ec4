package dev.mgiad.engine.tensor;

/**
 * The one conversion between plain NCHW order and the batch-blocked layout {@code [N/B][C][H][W][B]} (see
 * {@link Layout#BATCH_BLOCKED}), used by every backend's upload and download. Image {@code i} lives in block
 * {@code i / B} at lane {@code i % B}; the lanes of padding images are left as they are (zero after allocation).
 */
public final class BatchBlocking {
    private BatchBlocking() { }

    /** Writes {@code n} images of {@code chw} floats from plain {@code src} into {@code blocked}. */
    public static void pack(float[] src, int n, int chw, int block, float[] blocked) {
        for (int i = 0; i < n; i++) {
            long base = (long) (i / block) * chw * block + i % block;
            int s = i * chw;
            for (int e = 0; e < chw; e++) blocked[(int) (base + (long) e * block)] = src[s + e];
        }
    }

    /** Reads {@code n} images of {@code chw} floats from {@code blocked} into plain {@code dst}. */
    public static void unpack(float[] blocked, int n, int chw, int block, float[] dst) {
        for (int i = 0; i < n; i++) {
            long base = (long) (i / block) * chw * block + i % block;
            int d = i * chw;
            for (int e = 0; e < chw; e++) dst[d + e] = blocked[(int) (base + (long) e * block)];
        }
    }
}
