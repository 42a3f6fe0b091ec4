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
import java.util.function.ToIntFunction;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static dev.mgiad.engine.conformance.Numerics.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Winograd F(2x2,3x3) (forward, input gradient and weight gradient) against the reference, with the same tolerances
 * as the direct kernels, on the shapes it takes: tile chunks split inside and across rows and images, odd group
 * counts, 16..72 channels (several channel blocks in the weight gradient); and its error measured against the
 * direct kernel's on the same data (it must stay within a small factor).
 */
class ConvWinogradTest {
    private static final CpuBackend WINOGRAD = new CpuBackend(2, ConvAlgorithm.WINOGRAD);
    private static final CpuBackend DIRECT = new CpuBackend(2, ConvAlgorithm.DIRECT);

    @AfterAll static void close() { WINOGRAD.close(); DIRECT.close(); }

    static List<ConvParams> problems() {
        return List.of(
                ConvParams.of(3, 16, 4, 4, 16, 3, 1, 1),    // one chunk of 4 tiles per band
                ConvParams.of(17, 16, 8, 12, 20, 3, 1, 1),  // 6 tiles per row: bands of two tile rows
                ConvParams.of(2, 64, 8, 8, 64, 3, 1, 1),    // several input-channel blocks in the GEMM
                ConvParams.of(2, 48, 16, 16, 24, 3, 1, 3),  // groups of 16 inputs and 8 outputs
                ConvParams.of(5, 20, 32, 8, 24, 3, 1, 1),   // 20 inputs: a partial channel block
                ConvParams.of(40, 72, 4, 8, 68, 3, 1, 1),   // weight gradient: 2 x 2 channel blocks, slices of tiles
                ConvParams.of(3, 16, 12, 20, 32, 3, 1, 1),  // weight gradient: slices of 30 tiles, one chunk each
                ConvParams.of(16, 16, 24, 24, 16, 3, 1, 1), // weight gradient: slices of 36 tiles, chunks end inside a row
                ConvParams.of(16, 64, 24, 24, 64, 3, 1, 1)); // the same with 64 inputs: the transposed kernel, chunked
    }

    /**
     * The weight gradient has four paths: blocks of 4L input channels take the transposed kernel (its float sums
     * added to double sums once or several times a slice), others the lane-sum kernels (one chunk of tiles or
     * several). The shapes above run all four.
     */
    @Test
    void theShapesReachEveryWeightGradientPath() {
        ToIntFunction<ConvParams> perSlice = p -> {
            int blocks = (p.n() + ConvJob.L - 1) / ConvJob.L, tiles = blocks * (p.oh() / 2) * (p.ow() / 2);
            return -Math.floorDiv(-tiles, ConvWinograd.weightSlices(p, blocks));
        };
        for (boolean transposed : new boolean[]{true, false}) {
            for (boolean chunked : new boolean[]{true, false}) {
                int once = transposed ? ConvWinograd.TRANSPOSED_NT * ConvWinograd.TRANSPOSED_FLUSH : ConvWinograd.WEIGHT_NT;
                assertTrue(problems().stream().anyMatch(p -> transposedBlock(p) == transposed
                                && perSlice.applyAsInt(p) > once == chunked),
                        "no shape with transposed=" + transposed + " chunked=" + chunked);
            }
        }
    }

    private static boolean transposedBlock(ConvParams p) {
        return ConvWinograd.TRANSPOSED && Math.min(p.cinPerGroup(), ConvWinograd.WEIGHT_CB) % (4 * ConvJob.L) == 0;
    }

    static Tensor act(CpuBackend b, float[] d, int n, int c, int h, int w) {
        Tensor t = b.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED);
        b.upload(d, t);
        return t;
    }

    private static double tol(ConvParams p) { return 1e-5 * (p.cinPerGroup() * p.taps() + p.coutPerGroup() * p.taps()); }

    private static double maxError(float[] expect, float[] got) {
        double e = 0;
        for (int i = 0; i < expect.length; i++) e = Math.max(e, Math.abs((double) got[i] - expect[i]));
        return e;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void everyDirectionMatchesTheReference(ConvParams p) {
        Random r = new Random(p.hashCode());
        float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), w = random(r, (int) p.weightElements());
        float[] dy = random(r, p.n() * p.cout() * p.oh() * p.ow()), base = random(r, dy.length);
        assertSame(ConvWinograd.FORWARD, ConvDispatch.forwardFor(job(p)), "Winograd is not chosen for " + p.descriptor());
        assertSame(ConvWinograd.BACKWARD_WEIGHTS, ConvDispatch.backwardWeightsFor(p, ConvAlgorithm.WINOGRAD),
                "the Winograd weight gradient is not chosen for " + p.descriptor());
        float[] yRef = Reference.convForward(p, x, w), dxRef = Reference.convBackwardData(p, dy, w);
        float[] dwRef = Reference.convBackwardWeights(p, x, dy);
        float[][] wino = run(WINOGRAD, p, x, w, dy, base), direct = run(DIRECT, p, x, w, dy, base);
        assertClose("winograd forward " + p.descriptor(), yRef, wino[0], 1e-4, tol(p));
        assertClose("winograd input gradient " + p.descriptor(), dxRef, wino[1], 1e-4, tol(p));
        double dwTol = 1e-5 * p.n() * p.oh() * p.ow();
        assertClose("winograd weight gradient " + p.descriptor(), dwRef, wino[3], 1e-4, dwTol);
        float[] twice = new float[dwRef.length]; // dw = dw + 2 * dW on top of the first result
        for (int i = 0; i < twice.length; i++) twice[i] = 3 * dwRef[i];
        assertClose("winograd weight gradient, accumulated " + p.descriptor(), twice, wino[4], 1e-4, 3 * dwTol);
        double ewg = maxError(dwRef, wino[3]), edg = maxError(dwRef, direct[3]);
        assertTrue(ewg <= 8 * edg + 1e-6, "winograd weight gradient error " + ewg + " vs direct " + edg + " " + p.descriptor());
        assertArrayEquals(wino[3], run(WINOGRAD, p, x, w, dy, base)[3], "winograd weight gradient repeats " + p.descriptor());
        float[] fused = new float[yRef.length];
        for (int i = 0; i < fused.length; i++) fused[i] = base[i] - yRef[i];
        assertClose("winograd base - conv " + p.descriptor(), fused, wino[2], 1e-4, tol(p));
        // the error may grow with the transforms, but only by a small factor over the direct kernel's
        double ew = maxError(yRef, wino[0]), ed = maxError(yRef, direct[0]);
        assertTrue(ew <= 8 * ed + 1e-6, "winograd forward error " + ew + " vs direct " + ed + " " + p.descriptor());
        // bit for bit repeatable
        assertArrayEquals(wino[0], run(WINOGRAD, p, x, w, dy, base)[0], "winograd forward repeats " + p.descriptor());
    }

    private static ConvJob job(ConvParams p) {
        return ConvJob.forward(p, null, null, null, null, 1f, 1, ConvAlgorithm.WINOGRAD);
    }

    /** y, dx, base - conv(x), dw, dw + 2 dW: the operations every Winograd test checks, through the backend. */
    static float[][] run(CpuBackend b, ConvParams p, float[] x, float[] w, float[] dy, float[] base) {
        Tensor tx = act(b, x, p.n(), p.cin(), p.h(), p.w()), tdy = act(b, dy, p.n(), p.cout(), p.oh(), p.ow());
        Tensor tw = b.allocate(Shape.of(p.cout(), p.cinPerGroup(), 3, 3), Layout.PLAIN);
        b.upload(w, tw);
        Tensor ty = b.allocate(tdy.shape(), Layout.BATCH_BLOCKED), tdx = b.allocate(tx.shape(), Layout.BATCH_BLOCKED);
        b.convForward(p, tx, tw, ty, null, 1f);
        b.convBackwardData(p, tdy, tw, tdx, 1f, false);
        float[] y = b.download(ty), dx = b.download(tdx);
        Tensor tb = act(b, base, p.n(), p.cout(), p.oh(), p.ow());
        b.convForward(p, tx, tw, tb, tb, -1f);
        Tensor tdw = b.allocate(tw.shape(), Layout.PLAIN);
        b.convBackwardWeights(p, tx, tdy, tdw, 1f, false);
        float[] dw = b.download(tdw);
        b.convBackwardWeights(p, tx, tdy, tdw, 2f, true);
        return new float[][]{y, dx, b.download(tb), dw, b.download(tdw)};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void directAndAutoNeverTakeWinogradWhereItIsNotWanted(ConvParams p) {
        ConvJob j = job(p);
        j.algo = ConvAlgorithm.DIRECT;
        assertTrue(ConvDispatch.forwardFor(j) != ConvWinograd.FORWARD);
        j.algo = ConvAlgorithm.AUTO;
        ConvDispatch.Forward chosen = ConvDispatch.forwardFor(j);
        assertEquals(ConvWinograd.pays(j), chosen == ConvWinograd.FORWARD || chosen == ConvWinograd4.FORWARD);
        assertTrue(ConvDispatch.backwardWeightsFor(p, ConvAlgorithm.DIRECT) != ConvWinograd.BACKWARD_WEIGHTS);
        assertEquals(ConvWinograd.weightsPay(p), isWinograd(ConvDispatch.backwardWeightsFor(p)));
    }

    /** F(2x2,3x3) or, where auto takes it, F(4x4,3x3) ({@link ConvWinograd4Test}). */
    private static boolean isWinograd(ConvDispatch.BackwardWeights w) {
        return w == ConvWinograd.BACKWARD_WEIGHTS || w == ConvWinograd4.BACKWARD_WEIGHTS;
    }

    @Test
    void autoTakesTheWinogradWeightGradientWhereItWasMeasuredFaster() {
        assertTrue(isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 64, 32, 32, 64, 3, 1, 1))));
        assertTrue(isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 256, 8, 8, 256, 3, 1, 1))));
        assertTrue(isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 128, 16, 16, 128, 3, 1, 2))));
        assertTrue(isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 64, 32, 32, 64, 3, 1, 4))));
        // 32+ input channels per group at any size (since the aligned panels): 64@8x8, 256@4x4, 64 per group at 4x4
        assertTrue(isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 64, 8, 8, 64, 3, 1, 1))));
        assertTrue(isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 256, 4, 4, 256, 3, 1, 1))));
        assertTrue(isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 256, 4, 4, 256, 3, 1, 4))));
        // 16 per group on 4x4 images, 8 channels per group, stride 2, 1x1: direct
        assertTrue(!isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 256, 4, 4, 256, 3, 1, 16))));
        assertTrue(!isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 64, 32, 32, 64, 3, 1, 8))));
        assertTrue(!isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 64, 32, 32, 64, 3, 2, 1))));
        assertTrue(!isWinograd(ConvDispatch.backwardWeightsFor(ConvParams.of(128, 64, 32, 32, 64, 1, 1, 1))));
    }

    @Test
    void theAlgorithmParsesWithOneClearError() {
        assertEquals(ConvAlgorithm.WINOGRAD, ConvAlgorithm.parse("winograd"));
        assertEquals(ConvAlgorithm.AUTO, ConvAlgorithm.parse("Auto"));
        var e = assertThrows(IllegalArgumentException.class, () -> ConvAlgorithm.parse("fft"));
        assertTrue(e.getMessage().contains("auto, direct or winograd"), e.getMessage());
    }
}
