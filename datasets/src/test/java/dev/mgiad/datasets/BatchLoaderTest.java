package dev.mgiad.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
    /** n images of 1x2x2 whose pixels all equal the image index, labels index % 3. */
    private static ImageDataset dataset(int n) {
        byte[] px = new byte[n * 4];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(px, i * 4, i * 4 + 4, (byte) i);
            labels[i] = i % 3;
        }
        return ImageDataset.of(1, 2, 2, px, labels, null, List.of("a", "b", "c"), List.of());
    }

    private static final Transform IDENTITY =
            new Transform(1, 2, 2, new float[] {0f}, new float[] {1f / 255f}, Augmentation.NONE);

    /** The dataset index of each image in a batch, read back from its pixel values. */
    private static int[] indices(Batch b) {
        int[] idx = new int[b.size()];
        for (int i = 0; i < b.size(); i++) {
            idx[i] = Math.round(b.images()[i * b.imageSize()]);
        }
        return idx;
    }

    private static List<Batch> all(BatchLoader loader) {
        List<Batch> out = new ArrayList<>();
        try (loader) {
            while (loader.hasNext()) {
                out.add(loader.next());
            }
            assertThrows(NoSuchElementException.class, loader::next);
        }
        return out;
    }

    private static int[] visitOrder(List<Batch> batches) {
        return batches.stream().flatMapToInt(b -> Arrays.stream(indices(b))).toArray();
    }

    @Test
    void everySampleOnceAndPartialLastBatch() {
        BatchLoader loader = BatchLoader.builder(dataset(10), IDENTITY).batchSize(4).shuffle(true).seed(1).build();
        assertEquals(3, loader.batchesPerEpoch());
        List<Batch> batches = all(loader);
        assertEquals(List.of(4, 4, 2), batches.stream().map(Batch::size).toList());
        int[] order = visitOrder(batches);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Arrays.stream(order).sorted().toArray());
        for (Batch b : batches) {
            assertEquals(b.size() * 4, b.images().length);
            assertEquals(b.size(), b.labels().length);
            assertEquals(1, b.channels());
            assertEquals(2, b.height());
            assertEquals(2, b.width());
            int[] idx = indices(b);
            for (int i = 0; i < b.size(); i++) {
                assertEquals(idx[i] % 3, b.labels()[i]);
            }
        }
    }

    @Test
    void dropLastDropsThePartialBatch() {
        BatchLoader loader = BatchLoader.builder(dataset(10), IDENTITY).batchSize(4).dropLast(true).build();
        assertEquals(2, loader.batchesPerEpoch());
        assertEquals(List.of(4, 4), all(loader).stream().map(Batch::size).toList());
        assertEquals(3, BatchLoader.batchesPerEpoch(12, 4, true));
        assertEquals(3, BatchLoader.batchesPerEpoch(12, 4, false));
        assertEquals(4, BatchLoader.batchesPerEpoch(13, 4, false));
    }

    @Test
    void testOrderIsFileOrder() {
        int[] order = visitOrder(all(BatchLoader.builder(dataset(7), IDENTITY).batchSize(3).shuffle(false).seed(5).build()));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, order);
    }

    @Test
    void shuffleDependsOnSeedAndEpochOnly() {
        ImageDataset ds = dataset(50);
        int[] a = visitOrder(all(BatchLoader.builder(ds, IDENTITY).batchSize(8).shuffle(true).seed(3).epoch(2).build()));
        int[] b = visitOrder(all(BatchLoader.builder(ds, IDENTITY).batchSize(5).shuffle(true).seed(3).epoch(2)
                .prefetch(1).build()));
        int[] otherEpoch = visitOrder(all(BatchLoader.builder(ds, IDENTITY).batchSize(8).shuffle(true).seed(3).epoch(3)
                .build()));
        int[] otherSeed = visitOrder(all(BatchLoader.builder(ds, IDENTITY).batchSize(8).shuffle(true).seed(4).epoch(2)
                .build()));
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, otherEpoch));
        assertFalse(Arrays.equals(a, otherSeed));
        assertArrayEquals(Seeds.order(50, true, 3, 2), a);
    }

    @Test
    void augmentationDependsOnSeedEpochAndSampleNotOnBatching() {
        ImageDataset ds = cifarLike(20);
        Transform t = new Transform(DatasetKind.CIFAR10, Augmentation.standard(DatasetKind.CIFAR10, true, false));
        Map<Integer, float[]> a = byLabel(all(BatchLoader.builder(ds, t).batchSize(3).shuffle(true).seed(9).build()));
        Map<Integer, float[]> b = byLabel(all(BatchLoader.builder(ds, t).batchSize(7).shuffle(true).seed(9)
                .prefetch(3).build()));
        Map<Integer, float[]> c = byLabel(all(BatchLoader.builder(ds, t).batchSize(3).shuffle(true).seed(9).epoch(1)
                .build()));
        int differ = 0;
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(a.get(i), b.get(i), "sample " + i);
            differ += Arrays.equals(a.get(i), c.get(i)) ? 0 : 1;
        }
        assertTrue(differ > 10, "a new epoch should draw new crops/flips for most samples, got " + differ);
    }

    /** Random-looking 3x32x32 images with label = index, so augmented outputs can be matched up. */
    private static ImageDataset cifarLike(int n) {
        byte[] px = new byte[n * 3072];
        new java.util.Random(1).nextBytes(px);
        int[] labels = new int[n];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels[i] = i;
            names.add("c" + i);
        }
        return ImageDataset.of(3, 32, 32, px, labels, null, names, List.of());
    }

    private static Map<Integer, float[]> byLabel(List<Batch> batches) {
        Map<Integer, float[]> m = new HashMap<>();
        for (Batch b : batches) {
            for (int i = 0; i < b.size(); i++) {
                m.put(b.labels()[i], Arrays.copyOfRange(b.images(), i * b.imageSize(), (i + 1) * b.imageSize()));
            }
        }
        return m;
    }

    @Test
    void resumeFromABatchReproducesTheRestOfTheEpoch() {
        ImageDataset ds = dataset(23);
        List<Batch> full = all(BatchLoader.builder(ds, IDENTITY).batchSize(5).shuffle(true).seed(11).epoch(4).build());
        BatchLoader resumed = BatchLoader.builder(ds, IDENTITY).batchSize(5).shuffle(true).seed(11).epoch(4)
                .startBatch(3).build();
        assertEquals(5, resumed.batchesPerEpoch());
        List<Batch> tail = all(resumed);
        assertEquals(2, tail.size());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(full.get(3 + i).images(), tail.get(i).images());
            assertArrayEquals(full.get(3 + i).labels(), tail.get(i).labels());
        }
    }

    @Test
    void producerErrorReachesTheConsumer() {
        SampleTransform failing = new SampleTransform() {
            @Override public int channels() { return 1; }
            @Override public int inputSize() { return 4; }
            @Override public int outHeight() { return 2; }
            @Override public int outWidth() { return 2; }
            @Override public void apply(byte[] src, int srcOff, float[] dst, int dstOff, long seed) {
                if (src[srcOff] == 6) {
                    throw new IllegalStateException("boom at image 6");
                }
            }
        };
        try (BatchLoader loader = BatchLoader.builder(dataset(10), failing).batchSize(4).build()) {
            loader.next();
            DatasetException e = assertThrows(DatasetException.class, loader::next);
            assertEquals("batch producer failed while preparing batch 1 of epoch 0: "
                    + "java.lang.IllegalStateException: boom at image 6", e.getMessage());
            assertTrue(e.getCause() instanceof IllegalStateException);
            assertFalse(loader.hasNext());
        }
    }

    @Test
    void closeStopsTheProducer() throws Exception {
        BatchLoader loader = BatchLoader.builder(dataset(200), IDENTITY).batchSize(2).prefetch(2).build();
        loader.next();
        Thread.sleep(20); // let the producer fill the queue and block
        assertTrue(loader.producerAlive());
        loader.close();
        assertFalse(loader.producerAlive());
        assertFalse(loader.hasNext());
        assertThrows(IllegalStateException.class, loader::next);
        loader.close(); // idempotent
    }

    @Test
    void recycledBuffersAreReusedWithoutChangingResults() {
        ImageDataset ds = dataset(12);
        List<Batch> plain = all(BatchLoader.builder(ds, IDENTITY).batchSize(2).shuffle(true).seed(2).build());
        List<float[]> seen = new ArrayList<>();
        try (BatchLoader loader = BatchLoader.builder(ds, IDENTITY).batchSize(2).shuffle(true).seed(2).prefetch(1)
                .build()) {
            Batch first = loader.next();
            float[] firstArray = first.images();
            float[] firstCopy = firstArray.clone();
            loader.recycle(first);
            seen.add(firstCopy);
            boolean reused = false;
            while (loader.hasNext()) {
                Batch b = loader.next();
                reused |= b.images() == firstArray;
                seen.add(b.images().clone());
                loader.recycle(b);
            }
            assertTrue(reused, "a recycled buffer should be handed out again");
        }
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i).images(), seen.get(i));
        }
    }

    @Test
    void rejectsMismatchedTransformAndBadOptions() {
        Transform cifar = new Transform(DatasetKind.CIFAR10, Augmentation.NONE);
        assertThrows(IllegalArgumentException.class, () -> BatchLoader.builder(dataset(3), cifar).build());
        assertThrows(IllegalArgumentException.class, () -> BatchLoader.builder(dataset(3), IDENTITY).batchSize(0).build());
        assertThrows(IllegalArgumentException.class, () -> BatchLoader.builder(dataset(3), IDENTITY).prefetch(0).build());
    }

    @Test
    void emptyDatasetHasNoBatches() {
        BatchLoader loader = BatchLoader.builder(dataset(0), IDENTITY).batchSize(4).build();
        assertEquals(0, loader.batchesPerEpoch());
        assertEquals(0, all(loader).size());
    }

    @Test
    void seedsAreDistinct() {
        assertNotEquals(Seeds.sample(1, 0, 0), Seeds.sample(1, 0, 1));
        assertNotEquals(Seeds.sample(1, 0, 0), Seeds.sample(1, 1, 0));
        assertNotEquals(Seeds.sample(1, 0, 0), Seeds.sample(2, 0, 0));
        assertNotEquals(Seeds.shuffle(1, 0), Seeds.sample(1, 0, 0));
    }

    @Test
    void shardsOfEveryBatchTogetherAreTheWholeBatchInOrder() {
        ImageDataset ds = dataset(25);
        List<Batch> whole = all(BatchLoader.builder(ds, IDENTITY).batchSize(10).shuffle(true).seed(4).epoch(2).build());
        List<List<Batch>> shards = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            shards.add(all(BatchLoader.builder(ds, IDENTITY).batchSize(10).shuffle(true).seed(4).epoch(2).shard(r, 3).build()));
        }
        assertEquals(whole.size(), shards.get(0).size());
        for (int b = 0; b < whole.size(); b++) {
            int[] joined = new int[0];
            for (int r = 0; r < 3; r++) {
                Batch part = shards.get(r).get(b);
                int[] idx = indices(part);
                joined = java.util.stream.IntStream.concat(Arrays.stream(joined), Arrays.stream(idx)).toArray();
                for (int i = 0; i < part.size(); i++) assertEquals(idx[i] % 3, part.labels()[i]);
            }
            assertArrayEquals(indices(whole.get(b)), joined, "batch " + b);
        }
        // the last global batch of 5 images splits 1 / 2 / 2
        assertEquals(List.of(1, 2, 2), shards.stream().map(l -> l.get(2).size()).toList());
        assertThrows(IllegalArgumentException.class, () -> BatchLoader.builder(ds, IDENTITY).shard(3, 3));
    }
}
