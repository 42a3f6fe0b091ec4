package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;

import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

import static dev.mgiad.engine.cpu.ConvJob.planeFloats;

/**
 * Which kernel runs a convolution, and the drivers that split the work between threads. As in oneDNN's
 * implementation lists, each direction has one ordered list: the first implementation whose condition holds runs
 * the problem, the specialised register blocks come first and the generic kernel, correct for every shape, last.
 * The kernels themselves live in one file per regime ({@link Conv3x3S1}, {@link Conv3x3S2}, {@link Conv1x1},
 * {@link ConvDepthwise}, {@link ConvGeneric}), each holding its forward, input gradient and weight gradient.
 */
final class ConvDispatch {
    private ConvDispatch() { }

    /** Computes raw sums of output rows {@code y0 .. y1} of batch block nb and group g, and applies the epilogue. */
    @FunctionalInterface interface Band { void run(ConvJob j, int nb, int g, int y0, int y1); }

    /** {@code dx = base + alpha * conv^T(dy)}, the whole problem (the implementation splits it between threads). */
    @FunctionalInterface interface DataKernel {
        void run(ConvParams p, float[] dy, float[] w, float[] dx, float[] base, float alpha, int nBlocks,
                 dev.mgiad.engine.backend.ConvAlgorithm algo, Parallel par);
    }

    /** Adds, for output channels {@code o0 .. o0+tile} of group g, {@code sum dy * x} over batch blocks nb0..nb1 to part. */
    @FunctionalInterface interface WeightKernel {
        void run(ConvParams p, float[] x, float[] dy, int nb0, int nb1, int g, int o0, double[] part);
    }

    /**
     * {@code prepare}: once per call, before the threads start (e.g. packing the weights into the kernel's order);
     * {@code rowStep}: bands start at multiples of this many rows (a Winograd tile covers two rows).
     */
    record Forward(String name, Predicate<ConvJob> applies, java.util.function.Consumer<ConvJob> prepare,
                   java.util.function.ToIntFunction<ConvJob> rowStep, Band band) {
        Forward(String name, Predicate<ConvJob> applies, java.util.function.Consumer<ConvJob> prepare, Band band) {
            this(name, applies, prepare, j -> 1, band);
        }

        Forward(String name, Predicate<ConvJob> applies, Band band) { this(name, applies, j -> { }, band); }
    }

    /**
     * {@code rawSumsFirst}: the kernel stores raw sums before its epilogue reads the base, so an accumulating call
     * must pass a copy of dx as the base.
     */
    record BackwardData(String name, Predicate<ConvParams> applies, boolean rawSumsFirst, DataKernel kernel) { }

    /** {@code dw = (accumulate ? dw : 0) + alpha * dW}, the whole problem (the implementation splits it between threads). */
    @FunctionalInterface interface WholeWeightKernel {
        void run(ConvParams p, float[] x, float[] dy, float[] dw, float alpha, boolean accumulate, int nBlocks, Parallel par);
    }

    /**
     * {@code tile}: output channels per work item (one thread owns a tile: no reduction between threads);
     * {@code wholeBatch}: the kernel takes every batch block in one call (it chunks the work itself);
     * {@code whole}: when not null, the implementation takes the whole problem and splits it itself (the tile
     * kernel is then unused).
     */
    record BackwardWeights(String name, BiPredicate<ConvParams, ConvAlgorithm> applies, int tile, boolean wholeBatch,
                           WeightKernel kernel, WholeWeightKernel whole) {
        BackwardWeights(String name, Predicate<ConvParams> applies, int tile, boolean wholeBatch, WeightKernel kernel) {
            this(name, (p, algo) -> applies.test(p), tile, wholeBatch, kernel, null);
        }

        BackwardWeights(String name, Predicate<ConvParams> applies, int tile, WeightKernel kernel) {
            this(name, applies, tile, false, kernel);
        }

        BackwardWeights(String name, BiPredicate<ConvParams, ConvAlgorithm> applies, WholeWeightKernel whole) {
            this(name, applies, 0, false, null, whole);
        }
    }

    static final List<Forward> FORWARD = List.of(
            ConvWinograd4.FORWARD, ConvWinograd.FORWARD, Conv3x3S1.FORWARD_BLOCKED, Conv3x3S1.FORWARD, Conv3x3S2.FORWARD, Conv1x1.FORWARD, ConvDepthwise.FORWARD, ConvGeneric.FORWARD);

    /** The stride-1 'same' input gradient is a forward convolution of dy with the flipped, transposed weight. */
    static final BackwardData AS_FORWARD = new BackwardData("stride-1 same: forward list on the transposed weight",
            ConvJob::isSameStride1, true,
            (p, dy, w, dx, base, alpha, nBlocks, algo, par) -> {
                ConvJob j = ConvJob.backwardData(p, dy, w, dx, base, alpha, nBlocks, algo);
                forward(j, par);
            });

    static final List<BackwardData> BACKWARD_DATA = List.of(
            AS_FORWARD, Conv1x1.BACKWARD_DATA_STRIDED, Conv3x3S2.BACKWARD_DATA_TILED, ConvDepthwise.BACKWARD_DATA_S2, Conv3x3S2.BACKWARD_DATA,
            ConvGeneric.BACKWARD_DATA);

    static final List<BackwardWeights> BACKWARD_WEIGHTS = List.of(
            ConvWinograd4.BACKWARD_WEIGHTS, ConvWinograd.BACKWARD_WEIGHTS, Conv3x3S1.BACKWARD_WEIGHTS_BLOCKED, Conv3x3S1.BACKWARD_WEIGHTS_BLOCKED4, Conv1x1.BACKWARD_WEIGHTS,
            ConvDepthwise.BACKWARD_WEIGHTS, ConvGeneric.BACKWARD_WEIGHTS);

    static Forward forwardFor(ConvJob j) { return FORWARD.stream().filter(f -> f.applies().test(j)).findFirst().orElseThrow(); }

    static BackwardData backwardDataFor(ConvParams p) {
        return BACKWARD_DATA.stream().filter(f -> f.applies().test(p)).findFirst().orElseThrow();
    }

    static BackwardWeights backwardWeightsFor(ConvParams p, ConvAlgorithm algo) {
        return BACKWARD_WEIGHTS.stream().filter(f -> f.applies().test(p, algo)).findFirst().orElseThrow();
    }

    static BackwardWeights backwardWeightsFor(ConvParams p) { return backwardWeightsFor(p, ConvAlgorithm.AUTO); }

    /** Work items are (batch block, group, band of output rows): at least 4 per thread where the rows allow. */
    static void forward(ConvJob j, Parallel par) {
        Forward impl = forwardFor(j);
        impl.prepare().accept(j);
        Band kernel = impl.band();
        int step = impl.rowStep().applyAsInt(j), units = (j.ho + step - 1) / step;
        int bands = Math.max(1, Math.min(units, (4 * par.threads() + j.nBlocks * j.groups - 1) / (j.nBlocks * j.groups)));
        int items = j.nBlocks * j.groups * bands;
        par.forRange(items, (from, to, t) -> {
            for (int it = from; it < to; it++) {
                int band = it % bands;
                int g = (it / bands) % j.groups;
                int nb = it / (bands * j.groups);
                int y0 = (int) ((long) units * band / bands) * step;
                int y1 = Math.min(j.ho, (int) ((long) units * (band + 1) / bands) * step);
                kernel.run(j, nb, g, y0, y1);
            }
        });
    }

    /**
     * {@code dw = (accumulate ? dw : 0) + alpha * sum over images and pixels of dy * x}. Threads own disjoint
     * output-channel tiles, so there is no reduction between threads; per tile the sums run over batch blocks in
     * the outer loop and are kept in double.
     */
    static void backwardWeights(ConvParams p, float[] x, float[] dy, float[] dw, float alpha,
                                boolean accumulate, int nBlocks, ConvAlgorithm algo, Parallel par) {
        BackwardWeights impl = backwardWeightsFor(p, algo);
        if (impl.whole() != null) {
            impl.whole().run(p, x, dy, dw, alpha, accumulate, nBlocks, par);
            return;
        }
        final int inG = p.cinPerGroup(), outG = p.coutPerGroup(), kk = p.k() * p.k();
        final int tile = impl.tile();
        final WeightKernel kernel = impl.kernel();
        final int tilesPerGroup = outG / tile;
        final int chunk = chunkFor(impl, p, nBlocks);
        int items = p.groups() * tilesPerGroup;
        par.forRange(items, (from, to, t) -> {
            double[] part = TILE_SUMS.get();
            if (part.length < tile * inG * kk) { part = new double[tile * inG * kk]; TILE_SUMS.set(part); }
            for (int it = from; it < to; it++) {
                int g = it / tilesPerGroup, o0 = (it % tilesPerGroup) * tile;
                java.util.Arrays.fill(part, 0, tile * inG * kk, 0);
                for (int nb0 = 0; nb0 < nBlocks; nb0 += chunk) kernel.run(p, x, dy, nb0, Math.min(nBlocks, nb0 + chunk), g, o0, part);
                for (int ot = 0; ot < tile; ot++) {
                    for (int i = 0; i < inG; i++) {
                        for (int tap = 0; tap < kk; tap++) {
                            long idx = (((long) g * outG + o0 + ot) * inG + i) * kk + tap;
                            float v = (float) (alpha * part[(ot * inG + i) * kk + tap]);
                            dw[(int) (idx)] = accumulate ? dw[(int) (idx)] + v : v;
                        }
                    }
                }
            }
        });
    }

    private static final ThreadLocal<double[]> TILE_SUMS = ThreadLocal.withInitial(() -> new double[0]);

    /**
     * Batch blocks summed in registers before one lane reduction: all of them when the tile's dy planes of the whole
     * batch stay in cache (small images: the reductions would otherwise dominate at 4x4), else one at a time so that
     * the dy tile of one block stays in L2 while every input channel streams past.
     */
    static int chunkFor(BackwardWeights impl, ConvParams p, int nBlocks) {
        return impl.wholeBatch() ? nBlocks : weightChunk(p, impl.tile(), nBlocks);
    }

    static int weightChunk(ConvParams p, int tile, int nBlocks) {
        long bytesPerBlock = 4L * (tile * planeFloats(p.oh(), p.ow()) + planeFloats(p.h(), p.w()));
        return (int) Math.max(1, Math.min(nBlocks, (256 << 10) / bytesPerBlock));
    }
}
