package dev.mgiad.datasets;

/**
 * One mini-batch, ready for the network: normalized floats in NCHW layout.
 *
 * <p>{@code images.length} is always exactly {@code size * channels * height * width}, also for
 * the last, smaller batch, so callers may use the array length directly. The arrays may come
 * from a pool; after handing a batch back with {@link BatchLoader#recycle} it must not be used.
 */
public record Batch(float[] images, int[] labels, int size, int channels, int height, int width) {

    /** Floats per image. */
    public int imageSize() {
        return channels * height * width;
    }
}
