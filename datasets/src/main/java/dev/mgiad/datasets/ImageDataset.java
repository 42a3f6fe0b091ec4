package dev.mgiad.datasets;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A whole split of a data set held in memory as raw bytes.
 *
 * <p>Pixels stay as bytes (one quarter of the float size) and in the planar CIFAR layout
 * (image, channel, row, column), so that a batch can be built by a straight copy-and-scale
 * into NCHW floats. The class is immutable: the arrays it was built from are never handed
 * out, only copies, and readers in this package pass ownership of freshly read arrays
 * without a copy, which matters for the 150 MB CIFAR training sets.
 */
public final class ImageDataset {
    private final int channels;
    private final int height;
    private final int width;
    private final byte[] pixels;
    private final int[] labels;
    private final int[] coarseLabels;
    private final List<String> classNames;
    private final List<String> coarseClassNames;

    /**
     * Builds a data set from caller-owned arrays, which are copied so that the caller may keep
     * changing them. Labels are checked against the number of class names.
     *
     * @param coarseLabels may be {@code null} when the data set has no second label level
     * @param coarseClassNames must be empty when {@code coarseLabels} is null
     */
    public static ImageDataset of(int channels, int height, int width, byte[] pixels, int[] labels,
                                  int[] coarseLabels, List<String> classNames, List<String> coarseClassNames) {
        return new ImageDataset(channels, height, width, pixels.clone(), labels.clone(),
                coarseLabels == null ? null : coarseLabels.clone(), classNames, coarseClassNames);
    }

    /** Takes ownership of the arrays; only for readers in this package that just allocated them. */
    ImageDataset(int channels, int height, int width, byte[] pixels, int[] labels, int[] coarseLabels,
                 List<String> classNames, List<String> coarseClassNames) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("bad image shape " + channels + "x" + height + "x" + width);
        }
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes do not hold " + labels.length
                    + " images of " + channels + "x" + height + "x" + width);
        }
        if (coarseLabels != null && coarseLabels.length != labels.length) {
            throw new IllegalArgumentException(coarseLabels.length + " coarse labels for " + labels.length + " images");
        }
        if (coarseLabels == null && !coarseClassNames.isEmpty()) {
            throw new IllegalArgumentException("coarse class names given without coarse labels");
        }
        checkRange("label", labels, classNames.size());
        if (coarseLabels != null) {
            checkRange("coarse label", coarseLabels, coarseClassNames.size());
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
        this.coarseLabels = coarseLabels;
        this.classNames = List.copyOf(classNames);
        this.coarseClassNames = List.copyOf(coarseClassNames);
    }

    private static void checkRange(String what, int[] values, int classes) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= classes) {
                throw new IllegalArgumentException(what + " " + values[i] + " of image " + i
                        + " is outside 0.." + (classes - 1));
            }
        }
    }

    public int count() { return labels.length; }

    public int channels() { return channels; }

    public int height() { return height; }

    public int width() { return width; }

    /** Bytes per image: channels * height * width. */
    public int imageSize() { return channels * height * width; }

    /** A copy of all pixels, N*C*H*W bytes; costly for big sets, prefer {@link #copyImage}. */
    public byte[] pixels() { return pixels.clone(); }

    /** A copy of all labels. */
    public int[] labels() { return labels.clone(); }

    public int label(int image) { return labels[image]; }

    /** A copy of the coarse labels, present only for CIFAR-100. */
    public Optional<int[]> coarseLabels() {
        return coarseLabels == null ? Optional.empty() : Optional.of(coarseLabels.clone());
    }

    public boolean hasCoarseLabels() { return coarseLabels != null; }

    public int coarseLabel(int image) {
        if (coarseLabels == null) {
            throw new IllegalStateException("this data set has no coarse labels");
        }
        return coarseLabels[image];
    }

    public List<String> classNames() { return classNames; }

    /** Empty unless the data set has coarse labels. */
    public List<String> coarseClassNames() { return coarseClassNames; }

    /** One pixel as 0..255. */
    public int pixel(int image, int channel, int y, int x) {
        return pixels[((image * channels + channel) * height + y) * width + x] & 0xFF;
    }

    /** Copies one image's planar bytes into {@code dst} at {@code offset}. */
    public void copyImage(int image, byte[] dst, int offset) {
        int size = imageSize();
        System.arraycopy(pixels, image * size, dst, offset, size);
    }

    /** The shared backing array, for the batch producer, which only reads it. */
    byte[] pixelArray() { return pixels; }

    /**
     * The first {@code limit} images (all of them if there are fewer), for quick runs and tests.
     * Taking a prefix rather than a random sample keeps the subset stable across runs.
     */
    public ImageDataset subset(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("subset limit must be >= 0, got " + limit);
        }
        return limit >= count() ? this : range(0, limit);
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive), e.g. a held-out validation tail of a training split. */
    public ImageDataset range(int from, int to) {
        if (from < 0 || to > count() || from > to) {
            throw new IllegalArgumentException("image range [" + from + ", " + to + ") is outside 0.." + count());
        }
        if (from == 0 && to == count()) {
            return this;
        }
        int size = imageSize();
        return new ImageDataset(channels, height, width, Arrays.copyOfRange(pixels, from * size, to * size),
                Arrays.copyOfRange(labels, from, to), coarseLabels == null ? null : Arrays.copyOfRange(coarseLabels, from, to),
                classNames, coarseClassNames);
    }

    @Override
    public String toString() {
        return "ImageDataset[" + count() + " x " + channels + "x" + height + "x" + width + ", "
                + classNames.size() + " classes" + (coarseLabels != null ? ", " + coarseClassNames.size() + " coarse" : "")
                + "]";
    }
}
