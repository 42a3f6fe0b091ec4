package dev.mgiad.datasets;

import java.util.SplittableRandom;

/**
 * Augmentation followed by per-channel normalization, from raw bytes straight to floats.
 *
 * <p>Doing both in one pass avoids an intermediate image and makes the padding value exact:
 * padding is applied to raw pixels (value 0, i.e. black for CIFAR as with torchvision's default
 * fill, and background for Fashion-MNIST) and so becomes {@code (0 - mean) / std} after
 * normalization, not 0. Normalization uses a 256-entry table per channel, so each output value
 * costs one lookup.
 */
public final class Transform implements SampleTransform {
    private final int channels;
    private final int height;
    private final int width;
    private final Augmentation augmentation;
    private final int outHeight;
    private final int outWidth;
    private final float[][] lut;

    /** The random choices for one sample, exposed so that tests and debugging can see them. */
    public record Params(int offsetY, int offsetX, boolean flip) {}

    /** Uses the kind's image shape and normalization constants. */
    public Transform(DatasetKind kind, Augmentation augmentation) {
        this(kind.channels(), kind.height(), kind.width(), kind.mean(), kind.std(), augmentation);
    }

    /** The paper's pipeline for a data set and split: {@link Augmentation#standard} plus the kind's normalization. */
    public static Transform standard(DatasetKind kind, boolean train, boolean padFashionTo32) {
        return new Transform(kind, Augmentation.standard(kind, train, padFashionTo32));
    }

    /** Normalizes as {@code (raw / 255 - mean[c]) / std[c]}. */
    public Transform(int channels, int height, int width, float[] mean, float[] std, Augmentation augmentation) {
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("need " + channels + " mean/std values, got " + mean.length + "/" + std.length);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.augmentation = augmentation;
        this.outHeight = height + 2 * augmentation.padding();
        this.outWidth = width + 2 * augmentation.padding();
        this.lut = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            if (!(std[c] > 0)) {
                throw new IllegalArgumentException("std must be > 0, got " + std[c]);
            }
            for (int v = 0; v < 256; v++) {
                lut[c][v] = (v / 255f - mean[c]) / std[c];
            }
        }
    }

    public Augmentation augmentation() { return augmentation; }

    @Override public int channels() { return channels; }

    @Override public int inputSize() { return channels * height * width; }

    @Override public int outHeight() { return outHeight; }

    @Override public int outWidth() { return outWidth; }

    /** The normalized value of a raw pixel. */
    public float normalize(int channel, int raw) {
        return lut[channel][raw];
    }

    /** Draws crop offsets (top first, then left, as torchvision does) and then the flip. */
    public Params draw(long sampleSeed) {
        int p = augmentation.cropPadding();
        if (!augmentation.isRandom()) {
            return new Params(p, p, false);
        }
        SplittableRandom r = new SplittableRandom(sampleSeed);
        int oy = p > 0 ? r.nextInt(2 * p + 1) : 0;
        int ox = p > 0 ? r.nextInt(2 * p + 1) : 0;
        boolean flip = augmentation.horizontalFlip() && r.nextBoolean();
        return new Params(oy, ox, flip);
    }

    @Override
    public void apply(byte[] src, int srcOff, float[] dst, int dstOff, long sampleSeed) {
        apply(src, srcOff, dst, dstOff, draw(sampleSeed));
    }

    /**
     * Output pixel (y, x) is taken from the crop window at ({@code offsetY}, {@code offsetX}) of
     * the image padded by {@code padding + cropPadding}; with a flip, column x reads column
     * {@code outWidth - 1 - x} of that window (crop first, then flip, as in the reference code).
     */
    public void apply(byte[] src, int srcOff, float[] dst, int dstOff, Params params) {
        int shift = augmentation.padding() + augmentation.cropPadding();
        int dy = params.offsetY() - shift;
        int dx = params.offsetX() - shift;
        int d = dstOff;
        for (int c = 0; c < channels; c++) {
            float[] table = lut[c];
            float zero = table[0];
            int plane = srcOff + c * height * width;
            for (int y = 0; y < outHeight; y++) {
                int sy = y + dy;
                if (sy < 0 || sy >= height) {
                    java.util.Arrays.fill(dst, d, d + outWidth, zero);
                    d += outWidth;
                    continue;
                }
                int row = plane + sy * width;
                for (int x = 0; x < outWidth; x++) {
                    int sx = (params.flip() ? outWidth - 1 - x : x) + dx;
                    dst[d++] = sx < 0 || sx >= width ? zero : table[src[row + sx] & 0xFF];
                }
            }
        }
    }
}
