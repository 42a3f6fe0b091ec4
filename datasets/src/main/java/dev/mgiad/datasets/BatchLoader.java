package dev.mgiad.datasets;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Produces the batches of one epoch on a background thread, a few batches ahead of the consumer.
 *
 * <p>The visiting order is a function of (seed, epoch) and each sample's augmentation a function
 * of (seed, epoch, dataset index) (see {@link Seeds}), so an epoch is the same bytes however the
 * threads are scheduled, and a resumed run can restart it from any batch with
 * {@link Builder#startBatch}. The queue between the threads is bounded, which keeps memory flat
 * however slow the consumer is. A failure on the producer thread is handed over in the queue and
 * re-thrown from {@link #next()}, so it is never lost on a background thread.
 *
 * <p>Image buffers of full batches can be handed back with {@link #recycle(Batch)} and are then
 * reused; doing so is optional, the producer allocates when the pool is empty.
 *
 * <p>For data-parallel training, {@link Builder#shard(int, int)} makes each of P ranks produce only its share
 * of every global batch: rank r gets the images {@code [floor(r*s/P), floor((r+1)*s/P))} of a global batch of s
 * images, so the P ranks together see exactly the batches, in the same order, that one loader sees.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
    private final ImageDataset dataset;
    private final SampleTransform transform;
    private final int batchSize;
    private final boolean dropLast;
    private final long seed;
    private final int epoch;
    private final int[] order;
    private final int total;
    private final int shard, shards;
    private final BlockingQueue<Object> queue;
    private final BlockingQueue<float[]> pool;
    private final Thread producer;
    private int nextBatch;
    private volatile boolean closed;
    private boolean failed;

    private record Failure(int batch, Throwable cause) {}

    private BatchLoader(Builder b) {
        this.dataset = b.dataset;
        this.transform = b.transform;
        this.batchSize = b.batchSize;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.epoch = b.epoch;
        this.order = Seeds.order(dataset.count(), b.shuffle, seed, epoch);
        this.total = batchesPerEpoch(dataset.count(), batchSize, dropLast);
        this.shard = b.shard;
        this.shards = b.shards;
        this.nextBatch = Math.min(b.startBatch, total);
        this.queue = new ArrayBlockingQueue<>(b.prefetch);
        this.pool = new ArrayBlockingQueue<>(b.prefetch + 2);
        this.producer = Thread.ofPlatform().daemon().name("mgiad-batches-epoch-" + epoch).unstarted(this::produce);
        producer.start();
    }

    public static Builder builder(ImageDataset dataset, SampleTransform transform) {
        return new Builder(dataset, transform);
    }

    /** Number of batches of a full epoch, counting a last partial batch unless it is dropped. */
    public static int batchesPerEpoch(int count, int batchSize, boolean dropLast) {
        return dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
    }

    /** Batches in a full epoch (including any skipped with {@link Builder#startBatch}). */
    public int batchesPerEpoch() {
        return total;
    }

    /** The dataset indices of this epoch in visiting order; a copy. */
    public int[] order() {
        return order.clone();
    }

    @Override
    public boolean hasNext() {
        return !closed && !failed && nextBatch < total;
    }

    /**
     * The next batch, waiting for the producer if it is behind.
     *
     * @throws DatasetException if preparing this batch failed on the producer thread
     */
    @Override
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("batch loader is closed");
        }
        if (failed) {
            throw new IllegalStateException("batch loader already failed");
        }
        if (nextBatch >= total) {
            throw new NoSuchElementException("epoch " + epoch + " has only " + total + " batches");
        }
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("interrupted while waiting for batch " + nextBatch + " of epoch " + epoch, e);
        }
        if (item instanceof Failure f) {
            failed = true;
            throw new DatasetException("batch producer failed while preparing batch " + f.batch() + " of epoch "
                    + epoch + ": " + f.cause(), f.cause());
        }
        nextBatch++;
        return (Batch) item;
    }

    /** Hands a batch's image buffer back for reuse. The batch must not be used afterwards. */
    public void recycle(Batch batch) {
        pool.offer(batch.images()); // build() takes a pooled buffer only when its length fits
    }

    /** Images of global batch {@code b} (the whole batch, all shards together). */
    public int globalBatchSize(int b) {
        return Math.min(batchSize, dataset.count() - b * batchSize);
    }

    /** Stops the producer thread and drops prepared batches; safe to call more than once. */
    @Override
    public void close() {
        closed = true;
        producer.interrupt();
        queue.clear();
        try {
            producer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: whether the background thread still runs. */
    boolean producerAlive() {
        return producer.isAlive();
    }

    private void produce() {
        int b = nextBatch;
        try {
            for (; b < total && !closed; b++) {
                queue.put(build(b));
            }
        } catch (InterruptedException e) {
            // close() was called
        } catch (Throwable t) {
            try {
                queue.put(new Failure(b, t));
            } catch (InterruptedException ignored) {
                // closed while handing over the failure; nobody is listening any more
            }
        }
    }

    private Batch build(int b) {
        int global = globalBatchSize(b);
        int start = b * batchSize + (int) ((long) shard * global / shards);
        int size = b * batchSize + (int) ((long) (shard + 1) * global / shards) - start;
        int in = transform.inputSize();
        int out = transform.outputSize();
        float[] images = pool.poll();
        if (images == null || images.length != size * out) {
            images = new float[size * out];
        }
        int[] labels = new int[size];
        byte[] pixels = dataset.pixelArray();
        for (int i = 0; i < size; i++) {
            int index = order[start + i];
            labels[i] = dataset.label(index);
            transform.apply(pixels, index * in, images, i * out, Seeds.sample(seed, epoch, index));
        }
        return new Batch(images, labels, size, transform.channels(), transform.outHeight(), transform.outWidth());
    }

    /** Options for one epoch; defaults: batch 128, no shuffle, keep last, seed 0, epoch 0, prefetch 2. */
    public static final class Builder {
        private final ImageDataset dataset;
        private final SampleTransform transform;
        private int batchSize = 128;
        private boolean shuffle;
        private boolean dropLast;
        private long seed;
        private int epoch;
        private int startBatch;
        private int prefetch = 2;
        private int shard = 0, shards = 1;

        private Builder(ImageDataset dataset, SampleTransform transform) {
            this.dataset = dataset;
            this.transform = transform;
        }

        public Builder batchSize(int v) { batchSize = v; return this; }

        /** True for training data; test data keeps the file order. */
        public Builder shuffle(boolean v) { shuffle = v; return this; }

        public Builder dropLast(boolean v) { dropLast = v; return this; }

        public Builder seed(long v) { seed = v; return this; }

        public Builder epoch(int v) { epoch = v; return this; }

        /** Skips the first batches, to resume an interrupted epoch where it stopped. */
        public Builder startBatch(int v) { startBatch = v; return this; }

        /**
         * Produces only shard {@code index} of {@code count} of every batch (data-parallel training: the rank and
         * the number of ranks); the batch size stays the global batch size.
         */
        public Builder shard(int index, int count) {
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("shard " + index + " of " + count + " does not exist");
            }
            shard = index;
            shards = count;
            return this;
        }

        /** How many batches may wait ready in the queue. */
        public Builder prefetch(int v) { prefetch = v; return this; }

        /** Starts the producer thread. */
        public BatchLoader build() {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
            }
            if (prefetch <= 0) {
                throw new IllegalArgumentException("prefetch must be > 0, got " + prefetch);
            }
            if (startBatch < 0 || epoch < 0) {
                throw new IllegalArgumentException("epoch and start batch must be >= 0");
            }
            if (transform.inputSize() != dataset.imageSize() || transform.channels() != dataset.channels()) {
                throw new IllegalArgumentException("transform expects " + transform.channels() + " channels, "
                        + transform.inputSize() + " bytes per image; data set has " + dataset.channels() + " and "
                        + dataset.imageSize());
            }
            return new BatchLoader(this);
        }
    }
}
