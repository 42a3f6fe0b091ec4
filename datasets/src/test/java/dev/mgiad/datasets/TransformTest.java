package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransformTest {
    /** 1 channel, 2 rows, 3 columns: 1 2 3 / 4 5 6. */
    private static final byte[] IMAGE = {1, 2, 3, 4, 5, 6};

    /** Identity normalization (x/255), so outputs map back to raw values. */
    private static Transform tiny(Augmentation a) {
        return new Transform(1, 2, 3, new float[] {0f}, new float[] {1f}, a);
    }

    private static int[] raw(Transform t, Transform.Params p) {
        float[] out = new float[t.outputSize()];
        t.apply(IMAGE, 0, out, 0, p);
        int[] r = new int[out.length];
        for (int i = 0; i < out.length; i++) {
            r[i] = Math.round(out[i] * 255f);
        }
        return r;
    }

    @Test
    void cropOffsetsShiftThePaddedImage() {
        Transform t = tiny(new Augmentation(0, 1, true));
        assertEquals(2, t.outHeight());
        assertEquals(3, t.outWidth());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, raw(t, new Transform.Params(1, 1, false)));
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 2}, raw(t, new Transform.Params(0, 0, false)));
        assertArrayEquals(new int[] {5, 6, 0, 0, 0, 0}, raw(t, new Transform.Params(2, 2, false)));
        assertArrayEquals(new int[] {0, 1, 2, 0, 4, 5}, raw(t, new Transform.Params(1, 0, false)));
    }

    @Test
    void flipMirrorsTheCroppedWindow() {
        Transform t = tiny(new Augmentation(0, 1, true));
        assertArrayEquals(new int[] {3, 2, 1, 6, 5, 4}, raw(t, new Transform.Params(1, 1, true)));
        // crop first (window starting one column left), then mirror that window
        assertArrayEquals(new int[] {2, 1, 0, 5, 4, 0}, raw(t, new Transform.Params(1, 0, true)));
    }

    @Test
    void fixedPaddingSurroundsImageWithZeroPixels() {
        Transform t = tiny(new Augmentation(1, 0, false));
        assertEquals(4, t.outHeight());
        assertEquals(5, t.outWidth());
        assertArrayEquals(new int[] {
                0, 0, 0, 0, 0,
                0, 1, 2, 3, 0,
                0, 4, 5, 6, 0,
                0, 0, 0, 0, 0}, raw(t, t.draw(42)));
    }

    @Test
    void drawsCoverAllOffsetsAndBothFlipsDeterministically() {
        Transform t = new Transform(DatasetKind.CIFAR10, Augmentation.standard(DatasetKind.CIFAR10, true, false));
        Set<Integer> ys = new HashSet<>();
        Set<Integer> xs = new HashSet<>();
        int flips = 0;
        for (int i = 0; i < 1000; i++) {
            Transform.Params p = t.draw(Seeds.sample(7, 0, i));
            ys.add(p.offsetY());
            xs.add(p.offsetX());
            flips += p.flip() ? 1 : 0;
            assertEquals(p, t.draw(Seeds.sample(7, 0, i)));
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8), ys);
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8), xs);
        assertTrue(flips > 400 && flips < 600, "flips " + flips);
        assertNotEquals(t.draw(Seeds.sample(7, 0, 1)), t.draw(Seeds.sample(7, 1, 1)));
    }

    @Test
    void sameSeedSameOutput() {
        Transform t = new Transform(DatasetKind.CIFAR100, Augmentation.standard(DatasetKind.CIFAR100, true, false));
        byte[] img = new byte[3072];
        for (int i = 0; i < img.length; i++) {
            img[i] = (byte) (i * 31);
        }
        float[] a = new float[3072];
        float[] b = new float[3072];
        t.apply(img, 0, a, 0, 123L);
        t.apply(img, 0, b, 0, 123L);
        assertArrayEquals(a, b);
    }

    @Test
    void cifarNormalizationPerChannel() {
        Transform t = new Transform(DatasetKind.CIFAR10, Augmentation.NONE);
        assertEquals((1f - 0.4914f) / 0.2023f, t.normalize(0, 255), 1e-6);
        assertEquals((0f - 0.4822f) / 0.1994f, t.normalize(1, 0), 1e-6);
        assertEquals((128 / 255f - 0.4465f) / 0.2010f, t.normalize(2, 128), 1e-6);
        byte[] img = new byte[3072];
        img[0] = (byte) 255; // red (0,0)
        img[1024 + 33] = 10; // green (1,1)
        float[] out = new float[3072];
        t.apply(img, 0, out, 0, 0L);
        assertEquals(t.normalize(0, 255), out[0], 0);
        assertEquals(t.normalize(1, 10), out[1024 + 33], 0);
        assertEquals(t.normalize(2, 0), out[2048], 0);
    }

    @Test
    void cifarCropPaddingIsNormalizedBlack() {
        Transform t = new Transform(DatasetKind.CIFAR10, new Augmentation(0, 4, false));
        byte[] img = new byte[3072];
        java.util.Arrays.fill(img, (byte) 200);
        float[] out = new float[3072];
        t.apply(img, 0, out, 0, new Transform.Params(0, 0, false)); // 4 rows/cols of padding at top-left
        assertEquals(t.normalize(0, 0), out[0], 0);
        assertEquals(t.normalize(0, 0), out[3 * 32 + 10], 0);
        assertEquals(t.normalize(0, 200), out[4 * 32 + 4], 0);
        assertEquals(t.normalize(2, 0), out[2048 + 31 * 32 + 2], 0);
    }

    @Test
    void fashionNormalizationAndPaddingTo32() {
        Augmentation train = Augmentation.standard(DatasetKind.FASHION_MNIST, true, true);
        assertEquals(new Augmentation(2, 0, false), train);
        assertEquals(train, Augmentation.standard(DatasetKind.FASHION_MNIST, false, true));
        Transform t = new Transform(DatasetKind.FASHION_MNIST, train);
        assertEquals(32, t.outHeight());
        assertEquals(32, t.outWidth());
        byte[] img = new byte[784];
        java.util.Arrays.fill(img, (byte) 255);
        img[0] = 51;
        float[] out = new float[1024];
        t.apply(img, 0, out, 0, 99L);
        assertEquals(-1f, out[0], 1e-6);           // padding: raw 0 → (0 - 0.5) / 0.5
        assertEquals(-1f, out[1023], 1e-6);
        assertEquals((51 / 255f - 0.5f) / 0.5f, out[2 * 32 + 2], 1e-6);
        assertEquals(1f, out[2 * 32 + 3], 1e-6);
        assertEquals(1f, out[29 * 32 + 29], 1e-6);
        assertEquals(-1f, out[29 * 32 + 30], 1e-6);
    }

    @Test
    void standardSettings() {
        assertEquals(new Augmentation(0, 4, true), Augmentation.standard(DatasetKind.CIFAR10, true, true));
        assertEquals(Augmentation.NONE, Augmentation.standard(DatasetKind.CIFAR100, false, true));
        assertEquals(new Augmentation(0, 0, false), Augmentation.standard(DatasetKind.FASHION_MNIST, true, false));
        assertEquals(new Augmentation(2, 4, true),
                Augmentation.standard(DatasetKind.FASHION_MNIST, true, true).withCropAndFlip(4));
        assertEquals(new Augmentation(2, 0, false), new Augmentation(2, 4, true).forTest());
    }
}
