package dev.mgiad.datasets;

/**
 * Turns one stored image into the network's float input.
 *
 * <p>It is an interface so that {@link BatchLoader} does not care how images are changed, and so
 * that tests can plug in a transform that fails on purpose. Implementations must be safe to call
 * from the loader's background thread and must draw all randomness from {@code sampleSeed}, which
 * is what makes an epoch reproducible regardless of thread timing.
 */
public interface SampleTransform {
    int channels();

    /** Bytes of one input image. */
    int inputSize();

    int outHeight();

    int outWidth();

    /** Floats written per image: channels * outHeight * outWidth. */
    default int outputSize() {
        return channels() * outHeight() * outWidth();
    }

    /**
     * @param src planar bytes of the whole data set (or any array), image starting at {@code srcOff}
     * @param dst output array, image written planar (CHW) from {@code dstOff}
     * @param sampleSeed the only source of randomness for this sample
     */
    void apply(byte[] src, int srcOff, float[] dst, int dstOff, long sampleSeed);
}
