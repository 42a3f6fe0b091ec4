package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.ref.Reference;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static dev.mgiad.engine.conformance.Numerics.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Winograd F(4x4,3x3) (forward and input gradient; {@code auto} takes it) against the double-precision reference,
 * with the direct kernels' tolerances, on shapes with one and several tile rows per band, tile chunks that end
 * inside a row (at 8 lanes), groups, and a partial channel block; and its error against the direct kernel's and
 * F(2x2,3x3)'s on the same data: larger, within a bound that fails if a transform coefficient is wrong.
 */
class ConvWinograd4Test {
    private static final CpuBackend AUTO = new CpuBackend(2, ConvAlgorithm.AUTO);
    private static final CpuBackend F2 = new CpuBackend(2, ConvAlgorithm.WINOGRAD);
    private static final CpuBackend DIRECT = new CpuBackend(2, ConvAlgorithm.DIRECT);

    @AfterAll static void close() { AUTO.close(); F2.close(); DIRECT.close(); }

    static List<ConvParams> problems() {
        return List.of(
                ConvParams.of(3, 32, 16, 16, 32, 3, 1, 1),   // 4 tiles per row
                ConvParams.of(17, 32, 16, 32, 40, 3, 1, 1),  // 8 tiles per row, 17 images: a partial batch block
                ConvParams.of(2, 96, 4, 16, 48, 3, 1, 1),    // one tile row; 96 inputs: a partial GEMM channel block
                ConvParams.of(5, 64, 12, 16, 64, 3, 1, 2),   // 3 tile rows, 2 groups of 32
                ConvParams.of(2, 64, 32, 32, 64, 3, 1, 1));  // the models' 64@32x32
    }

    private static ConvJob job(ConvParams p) {
        return ConvJob.forward(p, null, null, null, null, 1f, 1, ConvAlgorithm.AUTO);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void forwardAndInputGradientMatchTheReference(ConvParams p) {
        assertSame(ConvWinograd4.FORWARD, ConvDispatch.forwardFor(job(p)), "F(4x4) is not chosen for " + p.descriptor());
        ConvJob transposed = ConvJob.backwardData(p, null, null, null, null, 1f, 1, ConvAlgorithm.AUTO);
        assertSame(ConvWinograd4.FORWARD, ConvDispatch.forwardFor(transposed), "F(4x4) is not chosen for dx of " + p.descriptor());
        Random r = new Random(p.hashCode());
        float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), w = random(r, (int) p.weightElements());
        float[] dy = random(r, p.n() * p.cout() * p.oh() * p.ow()), base = random(r, dy.length);
        float[] yRef = Reference.convForward(p, x, w), dxRef = Reference.convBackwardData(p, dy, w);
        float[][] f4 = run(AUTO, p, x, w, dy, base), f2 = run(F2, p, x, w, dy, base), direct = run(DIRECT, p, x, w, dy, base);
        double tol = 4e-5 * (p.cinPerGroup() + p.coutPerGroup()) * 9;
        assertClose("F(4x4) forward " + p.descriptor(), yRef, f4[0], 1e-4, tol);
        assertClose("F(4x4) input gradient " + p.descriptor(), dxRef, f4[1], 1e-4, tol);
        float[] fused = new float[yRef.length];
        for (int i = 0; i < fused.length; i++) fused[i] = base[i] - yRef[i];
        assertClose("F(4x4) base - conv " + p.descriptor(), fused, f4[2], 1e-4, tol);
        // larger than F(2x2)'s and the direct kernel's, by a bounded factor
        for (int d = 0; d < 2; d++) {
            float[] ref = d == 0 ? yRef : dxRef;
            double e4 = rms(ref, f4[d]), e2 = rms(ref, f2[d]), ed = rms(ref, direct[d]);
            System.out.printf("F(4x4) %s %s rms error %.3g, F(2x2) %.3g, direct %.3g%n", d == 0 ? "forward" : "input gradient",
                    p.descriptor(), e4, e2, ed);
            assertTrue(e4 <= 8 * e2 && e4 <= 20 * ed, "F(4x4) error " + e4 + " vs F(2x2) " + e2 + ", direct " + ed);
        }
        assertArrayEquals(f4[0], run(AUTO, p, x, w, dy, base)[0], "F(4x4) forward repeats " + p.descriptor());
    }

    /**
     * Weight-gradient shapes: input channels in blocks that are multiples of 4L (64 at 16 lanes), 4x4 tiles; slices
     * of tiles (few work items), several input and output blocks, one tile per 4x4 image, chunks that end inside a
     * tile row and inside an image.
     */
    static List<ConvParams> weightProblems() {
        return List.of(
                ConvParams.of(2, 64, 32, 32, 64, 3, 1, 1),   // one item: slices of the 128 tiles
                ConvParams.of(3, 64, 8, 12, 68, 3, 1, 1),    // 3 tiles per row, 68 outputs: two output blocks
                ConvParams.of(17, 128, 4, 4, 32, 3, 1, 1),   // one tile per image, two input blocks, 17 images
                ConvParams.of(5, 128, 8, 8, 128, 3, 1, 2));  // groups of 64
    }

    /** The kernel itself, called directly: {@code auto} takes it only with 32+ tiles per work item (below). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("weightProblems")
    void weightGradientMatchesTheReference(ConvParams p) {
        assertTrue(ConvWinograd4.weightsApply(p, ConvAlgorithm.AUTO) || ConvWinograd4.tilesPerItem(p) < ConvWinograd4.MIN_ITEM_TILES,
                "the F(4x4) weight gradient does not apply to " + p.descriptor());
        Random r = new Random(p.hashCode());
        float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), w = random(r, (int) p.weightElements());
        float[] dy = random(r, p.n() * p.cout() * p.oh() * p.ow());
        float[] dwRef = Reference.convBackwardWeights(p, x, dy);
        float[][] f4 = weights4(p, x, dy), f2 = weights(F2, p, x, w, dy), direct = weights(DIRECT, p, x, w, dy);
        double tol = 4e-5 * p.n() * p.oh() * p.ow();
        assertClose("F(4x4) weight gradient " + p.descriptor(), dwRef, f4[0], 1e-4, tol);
        float[] thrice = new float[dwRef.length]; // dw = dw + 2 * dW on top of the first result
        for (int i = 0; i < thrice.length; i++) thrice[i] = 3 * dwRef[i];
        assertClose("F(4x4) weight gradient, accumulated " + p.descriptor(), thrice, f4[1], 1e-4, 3 * tol);
        double e4 = rms(dwRef, f4[0]), e2 = rms(dwRef, f2[0]), ed = rms(dwRef, direct[0]);
        System.out.printf("F(4x4) weight gradient %s rms error %.3g, F(2x2) %.3g, direct %.3g%n", p.descriptor(), e4, e2, ed);
        assertTrue(e4 <= 8 * e2 && e4 <= 20 * ed, "F(4x4) weight gradient error " + e4 + " vs F(2x2) " + e2 + ", direct " + ed);
        assertArrayEquals(f4[0], weights4(p, x, dy)[0], "F(4x4) weight gradient repeats " + p.descriptor());
    }

    @Test
    void autoTakesTheWeightGradientWithEnoughTilesPerItem() {
        // batch 128: 64@32x32 (512 tiles, 4 slices), 128@16x16 (4 items of 128), 256@8x8 (16 items of 32)
        for (ConvParams p : List.of(ConvParams.of(128, 64, 32, 32, 64, 3, 1, 1), ConvParams.of(128, 128, 16, 16, 128, 3, 1, 1),
                ConvParams.of(128, 256, 8, 8, 256, 3, 1, 1), ConvParams.of(128, 64, 16, 16, 64, 3, 1, 1))) {
            assertSame(ConvWinograd4.BACKWARD_WEIGHTS, ConvDispatch.backwardWeightsFor(p), p.descriptor());
        }
        // 64@8x8 (32 tiles for 4 slices), 4x4 images (one tile per image): F(2x2)
        for (ConvParams p : List.of(ConvParams.of(128, 64, 8, 8, 64, 3, 1, 1), ConvParams.of(128, 256, 4, 4, 256, 3, 1, 1))) {
            assertSame(ConvWinograd.BACKWARD_WEIGHTS, ConvDispatch.backwardWeightsFor(p), p.descriptor());
        }
        assertSame(ConvWinograd.BACKWARD_WEIGHTS, ConvDispatch.backwardWeightsFor(ConvParams.of(128, 64, 32, 32, 64, 3, 1, 1),
                ConvAlgorithm.WINOGRAD), "--conv-algo winograd means F(2x2)");
    }

    /** dw (alpha 1) and then dw + 2 dW, by the F(4x4) kernel called directly. */
    private static float[][] weights4(ConvParams p, float[] x, float[] dy) {
        Tensor tx = act(AUTO, x, p.n(), p.cin(), p.h(), p.w()), tdy = act(AUTO, dy, p.n(), p.cout(), p.oh(), p.ow());
        float[] dw = new float[(int) p.weightElements()];
        try (Parallel par = new Parallel(2)) {
            ConvWinograd4.backwardWeights(p, CpuBackend.seg(tx), CpuBackend.seg(tdy), dw, 1f, false, tx.batchBlocks(), par);
            float[] first = dw.clone();
            ConvWinograd4.backwardWeights(p, CpuBackend.seg(tx), CpuBackend.seg(tdy), dw, 2f, true, tx.batchBlocks(), par);
            return new float[][]{first, dw};
        }
    }

    private static float[][] weights(CpuBackend b, ConvParams p, float[] x, float[] w, float[] dy) {
        Tensor tx = act(b, x, p.n(), p.cin(), p.h(), p.w()), tdy = act(b, dy, p.n(), p.cout(), p.oh(), p.ow());
        Tensor tdw = b.allocate(Shape.of(p.cout(), p.cinPerGroup(), 3, 3), Layout.PLAIN);
        b.convBackwardWeights(p, tx, tdy, tdw, 1f, false);
        float[] dw = b.download(tdw);
        b.convBackwardWeights(p, tx, tdy, tdw, 2f, true);
        return new float[][]{dw, b.download(tdw)};
    }

    @Test
    void otherShapesAndAlgorithmsDoNotTakeIt() {
        ConvJob j = job(ConvParams.of(2, 64, 8, 8, 64, 3, 1, 1)); // 2 tiles per row: F(2x2)
        assertSame(ConvWinograd.FORWARD, ConvDispatch.forwardFor(j));
        j = job(ConvParams.of(2, 16, 32, 32, 16, 3, 1, 1));        // 16 channels: direct
        assertNotSame(ConvWinograd4.FORWARD, ConvDispatch.forwardFor(j));
        j = job(ConvParams.of(2, 64, 32, 32, 64, 3, 1, 1));
        j.algo = ConvAlgorithm.WINOGRAD;                          // --conv-algo winograd: F(2x2) everywhere
        assertSame(ConvWinograd.FORWARD, ConvDispatch.forwardFor(j));
        j.algo = ConvAlgorithm.DIRECT;
        assertNotSame(ConvWinograd4.FORWARD, ConvDispatch.forwardFor(j));
    }

    private static double rms(float[] expect, float[] got) {
        double s = 0;
        for (int i = 0; i < expect.length; i++) { double e = (double) got[i] - expect[i]; s += e * e; }
        return Math.sqrt(s / expect.length);
    }

    private static Tensor act(CpuBackend b, float[] d, int n, int c, int h, int w) { return ConvWinogradTest.act(b, d, n, c, h, w); }

    /** y, dx, base - conv(x) (and the weight gradients, unused here): {@link ConvWinogradTest#run}. */
    private static float[][] run(CpuBackend b, ConvParams p, float[] x, float[] w, float[] dy, float[] base) {
        return ConvWinogradTest.run(b, p, x, w, dy, base);
    }
}
