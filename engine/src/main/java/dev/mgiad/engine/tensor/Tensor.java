package dev.mgiad.engine.tensor;

/**
 * A float32 tensor: a shape, a layout and a backend's storage. Tensors carry no autograd state; see
 * {@code dev.mgiad.engine.autograd}.
 */
public final class Tensor {
    private final Shape shape;
    private final Layout layout;
    private final Storage storage;
    private final int block;

    /**
     * @param block the batch block for {@link Layout#BATCH_BLOCKED} (ignored, 1, for PLAIN)
     */
    public Tensor(Shape shape, Layout layout, int block, Storage storage) {
        this.shape = shape;
        this.layout = layout;
        this.block = layout == Layout.PLAIN ? 1 : block;
        if (layout == Layout.BATCH_BLOCKED && shape.rank() != 4) {
            throw new IllegalArgumentException("a batch-blocked tensor must be 4-d [N,C,H,W], got " + shape);
        }
        long need = storageFloats(shape, layout, this.block);
        if (storage.floats() < need) {
            throw new IllegalArgumentException("storage of " + storage.floats() + " floats is too small for " + shape
                    + " " + layout + " (needs " + need + ")");
        }
        this.storage = storage;
    }

    /** Floats of storage a tensor of this shape and layout needs (the batch padded up to the block). */
    public static long storageFloats(Shape shape, Layout layout, int block) {
        if (layout == Layout.PLAIN) return shape.elements();
        long perImage = (long) shape.c() * shape.h() * shape.w();
        return (long) batchBlocks(shape.n(), block) * block * perImage;
    }

    public static int batchBlocks(int n, int block) { return (n + block - 1) / block; }

    public Shape shape() { return shape; }
    public Layout layout() { return layout; }
    public Storage storage() { return storage; }
    public int block() { return block; }

    /** Number of batch blocks, {@code ceil(N / block)}. */
    public int batchBlocks() { return batchBlocks(shape.n(), block); }

    /** Floats the tensor occupies in its storage (with batch padding). */
    public long floats() { return storageFloats(shape, layout, block); }

    public int n() { return shape.n(); }
    public int c() { return shape.c(); }
    public int h() { return shape.h(); }
    public int w() { return shape.w(); }

    @Override public String toString() { return "Tensor" + shape + (layout == Layout.PLAIN ? "" : "/" + layout); }
}
