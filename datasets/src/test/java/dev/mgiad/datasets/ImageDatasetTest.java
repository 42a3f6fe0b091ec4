package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageDatasetTest {
    private static ImageDataset sample() {
        byte[] px = new byte[3 * 2 * 1 * 2];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i + 250);
        }
        return ImageDataset.of(2, 1, 2, px, new int[] {0, 1, 1}, new int[] {0, 0, 1}, List.of("x", "y"),
                List.of("p", "q"));
    }

    @Test
    void accessorsAndPlanarLayout() {
        ImageDataset d = sample();
        assertEquals(3, d.count());
        assertEquals(4, d.imageSize());
        // image 1, channel 1, (0,1) is byte 1*4 + 1*2 + 1 = 7 → (7 + 250) & 0xFF
        assertEquals(1, d.pixel(1, 1, 0, 1));
        assertEquals(252, d.pixel(0, 1, 0, 0));
        assertEquals(1, d.coarseLabel(2));
        assertTrue(d.hasCoarseLabels());
    }

    @Test
    void isImmutable() {
        byte[] px = new byte[4];
        int[] labels = {1};
        ImageDataset d = ImageDataset.of(1, 2, 2, px, labels, null, List.of("a", "b"), List.of());
        px[0] = 9;
        labels[0] = 0;
        d.pixels()[1] = 9;
        d.labels()[0] = 0;
        assertArrayEquals(new byte[4], d.pixels());
        assertEquals(1, d.label(0));
        assertThrows(UnsupportedOperationException.class, () -> d.classNames().add("c"));
        assertThrows(IllegalStateException.class, () -> d.coarseLabel(0));
    }

    @Test
    void subsetTakesThePrefix() {
        ImageDataset d = sample();
        ImageDataset s = d.subset(2);
        assertEquals(2, s.count());
        assertArrayEquals(new int[] {0, 1}, s.labels());
        assertArrayEquals(new int[] {0, 0}, s.coarseLabels().orElseThrow());
        assertEquals(d.pixel(1, 1, 0, 1), s.pixel(1, 1, 0, 1));
        assertSame(d, d.subset(3));
        assertSame(d, d.subset(100));
        assertEquals(0, d.subset(0).count());
        assertThrows(IllegalArgumentException.class, () -> d.subset(-1));
    }

    @Test
    void rangeTakesTheTailWithItsLabelsAndPixels() {
        ImageDataset d = sample();
        ImageDataset tail = d.range(1, 3);
        assertEquals(2, tail.count());
        assertArrayEquals(java.util.Arrays.copyOfRange(d.labels(), 1, 3), tail.labels());
        assertArrayEquals(java.util.Arrays.copyOfRange(d.coarseLabels().orElseThrow(), 1, 3), tail.coarseLabels().orElseThrow());
        assertEquals(d.pixel(2, 1, 0, 1), tail.pixel(1, 1, 0, 1));
        assertSame(d, d.range(0, 3));
        assertEquals(0, d.range(3, 3).count());
        var e = assertThrows(IllegalArgumentException.class, () -> d.range(2, 4));
        assertTrue(e.getMessage().contains("[2, 4)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.range(2, 1));
    }

    @Test
    void validatesShapeAndLabels() {
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of(1, 2, 2, new byte[5], new int[] {0}, null, List.of("a"), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of(1, 2, 2, new byte[4], new int[] {1}, null, List.of("a"), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.of(1, 2, 2, new byte[4], new int[] {0}, new int[] {0, 0}, List.of("a"), List.of("c")));
    }
}
