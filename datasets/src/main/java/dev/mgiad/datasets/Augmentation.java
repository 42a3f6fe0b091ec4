package dev.mgiad.datasets;

/**
 * What geometric changes are applied to an image before normalization.
 *
 * <p>The defaults follow the reference training code of the paper: for CIFAR a random 32x32
 * crop from the image zero-padded by 4 on each side, plus a random horizontal flip; for
 * Fashion-MNIST nothing random, and optionally a fixed 2-pixel border that makes the images
 * 32x32 so the same network shapes serve every data set. Test data gets the fixed border only,
 * so that train and test images have the same size.
 *
 * @param padding fixed border of raw 0 pixels added on every side, for train and test alike
 * @param cropPadding random crop: the (already padded) image is padded again by this much with
 *     raw 0 pixels and a window of the padded size is cut at a random offset; 0 disables it
 * @param horizontalFlip mirror left-right with probability 1/2
 */
public record Augmentation(int padding, int cropPadding, boolean horizontalFlip) {
    /** No change at all. */
    public static final Augmentation NONE = new Augmentation(0, 0, false);

    public Augmentation {
        if (padding < 0 || cropPadding < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padding + " and " + cropPadding);
        }
    }

    /**
     * The paper's setting for a data set and split.
     *
     * @param padFashionTo32 adds the 2-pixel border to Fashion-MNIST (ignored for CIFAR)
     */
    public static Augmentation standard(DatasetKind kind, boolean train, boolean padFashionTo32) {
        return switch (kind) {
            case CIFAR10, CIFAR100 -> train ? new Augmentation(0, 4, true) : NONE;
            case FASHION_MNIST -> new Augmentation(padFashionTo32 ? 2 : 0, 0, false);
        };
    }

    /** The same geometry without the random parts, which is what evaluation data needs. */
    public Augmentation forTest() {
        return new Augmentation(padding, 0, false);
    }

    /** Adds random crop and flip, for the optional Fashion-MNIST training augmentation. */
    public Augmentation withCropAndFlip(int cropPadding) {
        return new Augmentation(padding, cropPadding, true);
    }

    public boolean isRandom() {
        return cropPadding > 0 || horizontalFlip;
    }
}
