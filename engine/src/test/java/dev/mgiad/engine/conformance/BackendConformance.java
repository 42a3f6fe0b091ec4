package dev.mgiad.engine.conformance;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.backend.GradientEpilogue;
import dev.mgiad.engine.ref.Reference;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static dev.mgiad.engine.conformance.Numerics.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The one conformance suite of the operator set: every backend extends it and is compared, forward and backward,
 * with the plain reference kernels of {@link Reference} over awkward shapes (batch 1 and 3, sizes 1..7, odd widths
 * with stride 2, channel counts that are not multiples of the vector width, every group regime).
 */
public abstract class BackendConformance {

    protected abstract Backend backend();

    /** Extra tolerance factor for backends with looser arithmetic (e.g. OpenCL fast math); 1 on the CPU. */
    protected double slack() { return 1; }

    public static List<ConvParams> convProblems() {
        List<ConvParams> l = new ArrayList<>();
        int[][] shapes = {{1, 1}, {3, 3}, {5, 5}, {7, 7}, {4, 4}, {8, 8}, {5, 9}};
        for (int[] hw : shapes) {
            for (int n : new int[]{1, 3, 17}) {
                // dense, grouped g_s=2/4, depthwise, depthwise with multiplier, 1x1 grouped transfers
                l.add(ConvParams.of(n, 5, hw[0], hw[1], 7, 3, 1, 1));
                l.add(ConvParams.of(n, 8, hw[0], hw[1], 8, 3, 1, 2));
                l.add(ConvParams.of(n, 12, hw[0], hw[1], 12, 3, 1, 3));
                l.add(ConvParams.of(n, 6, hw[0], hw[1], 6, 3, 1, 6));
                l.add(ConvParams.of(n, 3, hw[0], hw[1], 6, 3, 2, 3));
                l.add(ConvParams.of(n, 8, hw[0], hw[1], 4, 1, 1, 4));
                l.add(ConvParams.of(n, 4, hw[0], hw[1], 8, 1, 1, 4));
                l.add(ConvParams.of(n, 6, hw[0], hw[1], 10, 1, 2, 1));
            }
        }
        l.add(ConvParams.of(2, 20, 6, 6, 20, 3, 1, 1));   // dense, several 4x4 tiles
        l.add(ConvParams.of(2, 16, 9, 11, 16, 3, 2, 1));  // dense stride 2, odd sizes
        l.add(ConvParams.of(2, 16, 8, 8, 32, 1, 1, 1));   // dense 1x1
        l.add(ConvParams.of(3, 8, 7, 9, 12, 1, 2, 1));    // dense 1x1 stride 2 (projection shortcut), odd sizes
        l.add(ConvParams.of(17, 8, 16, 11, 16, 3, 2, 8)); // depthwise x2 stride 2 (learnable pooling), wide rows
        l.add(ConvParams.of(3, 8, 8, 7, 8, 3, 2, 2));     // grouped stride 2, 4 channels per group
        l.add(ConvParams.of(2, 8, 13, 12, 16, 3, 2, 1));  // dense stride 2, width not a multiple of 4
        l.add(ConvParams.of(3, 8, 1, 5, 8, 3, 2, 1));     // stride 2 on a single row
        l.add(ConvParams.of(2, 32, 8, 8, 32, 3, 1, 4));   // grouped g_s = 8
        l.add(ConvParams.of(2, 3, 8, 8, 16, 3, 1, 1));    // a stem: 3 input channels
        l.add(ConvParams.of(2, 2, 5, 5, 4, 3, 1, 1));    // a stem: 2 input channels, 4 outputs
        l.add(ConvParams.of(3, 1, 6, 5, 4, 3, 1, 1));    // a stem: 1 input channel
        l.add(ConvParams.of(3, 6, 7, 9, 6, 3, 2, 3));    // stride 2 with 2 channels per group
        l.add(ConvParams.of(3, 4, 7, 6, 4, 5, 1, 2));    // 5x5 'same': the generic kernels
        l.add(new ConvParams(3, 4, 7, 8, 4, 3, 2, 0, 1)); // 3x3 stride 2 without padding: the generic kernels
        // the sizes of the models (32x32 and 16x16 at batch > one block): the weight gradient sums batch blocks in
        // chunks there, one block at a time (32x32) or with a partial last chunk (16x16), as at batch 128
        l.add(ConvParams.of(17, 4, 32, 32, 4, 3, 1, 1));  // dense 3x3 at 32x32
        l.add(ConvParams.of(50, 8, 16, 16, 8, 3, 1, 1));  // dense 3x3 at 16x16, several blocks per chunk
        l.add(ConvParams.of(50, 4, 32, 32, 8, 3, 2, 1));  // dense 3x3 stride 2 from 32x32
        l.add(ConvParams.of(50, 4, 32, 32, 4, 3, 1, 4));  // depthwise at 32x32
        l.add(ConvParams.of(150, 4, 16, 16, 4, 3, 1, 4)); // depthwise at 16x16: chunks of 8 blocks, a partial last one
        l.add(ConvParams.of(17, 8, 32, 32, 8, 1, 1, 2));  // grouped 1x1 at 32x32
        l.add(ConvParams.of(17, 64, 16, 16, 8, 1, 1, 1)); // dense 1x1, 64 inputs: weight gradient in row chunks
        l.add(ConvParams.of(33, 8, 32, 32, 8, 3, 1, 1));  // dense 3x3 at 32x32: the weight gradient in row chunks
        l.add(ConvParams.of(50, 8, 64, 32, 8, 3, 2, 1));  // dense 3x3 stride 2 to 32x16: the same
        l.add(ConvParams.of(17, 40, 8, 8, 8, 3, 1, 1));   // 40 inputs: blocks of 16 input channels, a partial last one
        // 16 or more input channels per group: the blocked 3x3 kernels (packed panel; weight gradient in row chunks)
        l.add(ConvParams.of(18, 16, 8, 8, 16, 3, 1, 1));  // row chunks with a partial last one
        l.add(ConvParams.of(50, 16, 4, 4, 16, 3, 1, 1));  // chunks of whole planes of several blocks
        l.add(ConvParams.of(2, 32, 5, 7, 40, 3, 1, 2));   // g_s=16 with 20 outputs per group, odd width: both tails
        l.add(ConvParams.of(17, 64, 32, 32, 64, 3, 1, 4)); // g_s=16 at 32x32: auto takes Winograd's weight gradient
        // the blocked weight gradient at stride 2: row chunks of a 16x16 output, odd sizes, a single input row
        l.add(ConvParams.of(17, 16, 32, 31, 16, 3, 2, 1));
        l.add(ConvParams.of(50, 16, 7, 5, 16, 3, 2, 1));   // chunks of whole planes of several blocks
        l.add(ConvParams.of(3, 16, 1, 5, 16, 3, 2, 1));
        l.add(ConvParams.of(17, 32, 8, 16, 36, 3, 1, 1)); // Winograd F(4x4,3x3) under auto, forward and input gradient
        l.add(ConvParams.of(17, 64, 32, 32, 64, 3, 1, 1)); // Winograd F(4x4,3x3) in all three directions under auto
        return l;
    }

    private Tensor act(Backend b, float[] data, int n, int c, int h, int w) {
        Tensor t = b.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED);
        b.upload(data, t);
        return t;
    }

    private Tensor plain(Backend b, float[] data, int... dims) {
        Tensor t = b.allocate(Shape.of(dims), Layout.PLAIN);
        b.upload(data, t);
        return t;
    }

    private double convTol(ConvParams p) { return 1e-5 * (p.cinPerGroup() * p.taps() + p.coutPerGroup() * p.taps()) * slack(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convProblems")
    void convForwardMatchesReference(ConvParams p) {
        Backend b = backend();
        Random r = new Random(p.hashCode());
        float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), w = random(r, (int) p.weightElements());
        float[] base = random(r, p.n() * p.cout() * p.oh() * p.ow());
        Tensor tx = act(b, x, p.n(), p.cin(), p.h(), p.w()), tw = plain(b, w, p.cout(), p.cinPerGroup(), p.k(), p.k());
        Tensor ty = b.allocate(Shape.of(p.n(), p.cout(), p.oh(), p.ow()), Layout.BATCH_BLOCKED);
        float[] expect = Reference.convForward(p, x, w);
        b.convForward(p, tx, tw, ty, null, 1f);
        assertClose("forward " + p.descriptor(), expect, b.download(ty), 1e-4, convTol(p));
        // fused epilogue y = base - conv, as the residual f - A(u) uses it
        Tensor tb = act(b, base, p.n(), p.cout(), p.oh(), p.ow());
        b.convForward(p, tx, tw, ty, tb, -1f);
        float[] fused = new float[expect.length];
        for (int i = 0; i < fused.length; i++) fused[i] = base[i] - expect[i];
        assertClose("forward base - conv " + p.descriptor(), fused, b.download(ty), 1e-4, convTol(p));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convProblems")
    void convBackwardDataMatchesReference(ConvParams p) {
        Backend b = backend();
        Random r = new Random(p.hashCode() + 1);
        float[] dy = random(r, p.n() * p.cout() * p.oh() * p.ow()), w = random(r, (int) p.weightElements());
        float[] old = random(r, p.n() * p.cin() * p.h() * p.w());
        Tensor tdy = act(b, dy, p.n(), p.cout(), p.oh(), p.ow()), tw = plain(b, w, p.cout(), p.cinPerGroup(), p.k(), p.k());
        Tensor tdx = act(b, old, p.n(), p.cin(), p.h(), p.w());
        float[] expect = Reference.convBackwardData(p, dy, w);
        float[] acc = new float[expect.length];
        for (int i = 0; i < acc.length; i++) acc[i] = old[i] + 0.5f * expect[i];
        b.convBackwardData(p, tdy, tw, tdx, 0.5f, true);
        assertClose("backward data (accumulate) " + p.descriptor(), acc, b.download(tdx), 1e-4, convTol(p));
        b.convBackwardData(p, tdy, tw, tdx, 1f, false);
        assertClose("backward data " + p.descriptor(), expect, b.download(tdx), 1e-4, convTol(p));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convProblems")
    void convBackwardWeightsMatchesReference(ConvParams p) {
        Backend b = backend();
        Random r = new Random(p.hashCode() + 2);
        float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), dy = random(r, p.n() * p.cout() * p.oh() * p.ow());
        float[] old = random(r, (int) p.weightElements());
        Tensor tx = act(b, x, p.n(), p.cin(), p.h(), p.w()), tdy = act(b, dy, p.n(), p.cout(), p.oh(), p.ow());
        Tensor tdw = plain(b, old, p.cout(), p.cinPerGroup(), p.k(), p.k());
        float[] expect = Reference.convBackwardWeights(p, x, dy);
        double tol = 1e-5 * p.n() * p.oh() * p.ow() * slack();
        b.convBackwardWeights(p, tx, tdy, tdw, 1f, false);
        assertClose("backward weights " + p.descriptor(), expect, b.download(tdw), 1e-4, tol);
        float[] acc = new float[expect.length];
        for (int i = 0; i < acc.length; i++) acc[i] = expect[i] + 2f * expect[i];
        b.convBackwardWeights(p, tx, tdy, tdw, 2f, true);
        assertClose("backward weights (accumulate) " + p.descriptor(), acc, b.download(tdw), 1e-4, 3 * tol);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /**
     * The adjoint identities {@code <conv(x), r> = <x, dx(r)>} and {@code <conv_w(w), r> = <w, dw(x, r)>}: exact for
     * linear operators, so they check the backward kernels with no finite-difference step at all. Both backward
     * directions are also run twice and must repeat bit for bit (no racy reductions).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("convProblems")
    void convBackwardIsTheAdjointAndDeterministic(ConvParams p) {
        Backend b = backend();
        Random rnd = new Random(p.hashCode() + 3);
        float[] x = random(rnd, p.n() * p.cin() * p.h() * p.w()), w = random(rnd, (int) p.weightElements());
        float[] r = random(rnd, p.n() * p.cout() * p.oh() * p.ow());
        Tensor tx = act(b, x, p.n(), p.cin(), p.h(), p.w()), tw = plain(b, w, p.cout(), p.cinPerGroup(), p.k(), p.k());
        Tensor tr = act(b, r, p.n(), p.cout(), p.oh(), p.ow());
        Tensor ty = b.allocate(tr.shape(), Layout.BATCH_BLOCKED), tdx = b.allocate(tx.shape(), Layout.BATCH_BLOCKED);
        Tensor tdw = b.allocate(tw.shape(), Layout.PLAIN);
        b.convForward(p, tx, tw, ty, null, 1f);
        b.convBackwardData(p, tr, tw, tdx, 1f, false);
        b.convBackwardWeights(p, tx, tr, tdw, 1f, false);
        float[] y = b.download(ty), dx = b.download(tdx), dw = b.download(tdw);
        double lhs = dot(y, r), scale = Math.sqrt(dot(y, y) * dot(r, r)) + 1e-6;
        org.junit.jupiter.api.Assertions.assertEquals(lhs, dot(x, dx), 1e-5 * scale * slack(), "<conv x, r> vs <x, dx r> " + p.descriptor());
        org.junit.jupiter.api.Assertions.assertEquals(lhs, dot(w, dw), 1e-5 * scale * slack(), "<conv w, r> vs <w, dw r> " + p.descriptor());
        b.convBackwardData(p, tr, tw, tdx, 1f, false);
        b.convBackwardWeights(p, tx, tr, tdw, 1f, false);
        org.junit.jupiter.api.Assertions.assertArrayEquals(dx, b.download(tdx), "input gradient repeats bit for bit " + p.descriptor());
        org.junit.jupiter.api.Assertions.assertArrayEquals(dw, b.download(tdw), "weight gradient repeats bit for bit " + p.descriptor());
    }

    public static List<int[]> normShapes() {
        return List.of(new int[]{1, 3, 1, 1}, new int[]{3, 5, 3, 3}, new int[]{17, 4, 2, 3}, new int[]{16, 2, 4, 4},
                new int[]{33, 3, 5, 1});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("normShapes")
    void batchNormTrainEvalBackwardMatchReference(int[] s) {
        Backend b = backend();
        int n = s[0], c = s[1], h = s[2], w = s[3], hw = h * w;
        Random r = new Random(n * 31 + c);
        float[] x = random(r, n * c * hw), gamma = random(r, c), beta = random(r, c), dy = random(r, n * c * hw);
        float[] res = random(r, n * c * hw);
        for (int i = 0; i < x.length; i++) x[i] = 3 + 2 * x[i]; // an offset mean, to catch one-pass variance
        float[] rm = random(r, c), rv = new float[c];
        for (int i = 0; i < c; i++) rv[i] = 0.5f + i;
        for (boolean relu : new boolean[]{false, true}) {
            for (boolean withResidual : new boolean[]{false, true}) {
                Tensor tx = act(b, x, n, c, h, w), ty = act(b, new float[x.length], n, c, h, w);
                Tensor tg = plain(b, gamma, c), tb = plain(b, beta, c), trm = plain(b, rm, c), trv = plain(b, rv, c);
                Tensor sm = b.allocate(Shape.of(c), Layout.PLAIN), si = b.allocate(Shape.of(c), Layout.PLAIN);
                Tensor tres = withResidual ? act(b, res, n, c, h, w) : null;
                b.batchNormTrain(tx, tg, tb, trm, trv, 0.1f, 1e-5f, sm, si, relu, tres, ty);
                var ref = Reference.batchNormTrain(x, n, c, hw, gamma, beta, rm, rv, 0.1f, 1e-5f, relu,
                        withResidual ? res : null);
                String what = "batch norm " + n + "x" + c + "x" + h + "x" + w + " relu=" + relu + " residual=" + withResidual;
                assertClose(what + " y", ref.y(), b.download(ty), 1e-4, 1e-4 * slack());
                assertClose(what + " mean", ref.mean(), b.download(sm), 1e-5, 1e-5 * slack());
                assertClose(what + " invstd", ref.invStd(), b.download(si), 1e-4, 1e-5 * slack());
                assertClose(what + " running mean", ref.runningMean(), b.download(trm), 1e-5, 1e-5 * slack());
                assertClose(what + " running var", ref.runningVar(), b.download(trv), 1e-4, 1e-5 * slack());
                // eval mode with the updated running statistics
                b.batchNormEval(tx, tg, tb, trm, trv, 1e-5f, relu, tres, ty);
                float[] ev = Reference.batchNormEval(x, n, c, hw, gamma, beta, ref.runningMean(), ref.runningVar(),
                        1e-5f, relu, withResidual ? res : null);
                assertClose(what + " eval", ev, b.download(ty), 1e-4, 1e-4 * slack());
                // backward, written then accumulated
                var g = Reference.batchNormBackward(x, n, c, hw, gamma, beta, 1e-5f, relu, dy);
                b.batchNormTrain(tx, tg, tb, trm, trv, 0.1f, 1e-5f, sm, si, relu, tres, ty);
                Tensor tdy = act(b, dy, n, c, h, w), tdx = act(b, new float[x.length], n, c, h, w);
                Tensor dg = b.allocate(Shape.of(c), Layout.PLAIN), db = b.allocate(Shape.of(c), Layout.PLAIN);
                b.batchNormBackward(tx, tg, tb, sm, si, relu, tdy, tdx, false, dg, db, false);
                double tol = 1e-4 * slack() * Math.max(1, n * hw / 16.0);
                assertClose(what + " dx", g.dx(), b.download(tdx), 1e-3, 1e-4 * slack());
                assertClose(what + " dgamma", g.dgamma(), b.download(dg), 1e-3, tol);
                assertClose(what + " dbeta", g.dbeta(), b.download(db), 1e-3, tol);
                b.batchNormBackward(tx, tg, tb, sm, si, relu, tdy, tdx, true, dg, db, true);
                assertClose(what + " dx accumulated", times(g.dx(), 2), b.download(tdx), 1e-3, 2e-4 * slack());
                assertClose(what + " dbeta accumulated", times(g.dbeta(), 2), b.download(db), 1e-3, 2 * tol);
            }
        }
    }

    /** Problems for the fused convolution + batch norm: every regime, batches that leave padding lanes, odd sizes. */
    public static List<ConvParams> convBatchNormProblems() {
        return List.of(ConvParams.of(3, 8, 5, 7, 8, 3, 1, 2), ConvParams.of(17, 8, 4, 4, 8, 3, 1, 1),
                ConvParams.of(5, 6, 9, 9, 6, 3, 2, 6), ConvParams.of(16, 8, 6, 6, 4, 1, 1, 4),
                ConvParams.of(3, 4, 6, 5, 8, 1, 1, 4), ConvParams.of(2, 32, 8, 8, 32, 3, 1, 4),
                ConvParams.of(33, 16, 8, 8, 16, 3, 1, 1), ConvParams.of(2, 16, 9, 11, 16, 3, 2, 1),
                ConvParams.of(3, 3, 7, 7, 16, 3, 1, 1),
                // 64 channels: Winograd under auto, several chunks of tiles per band, ending inside rows (the
                // statistics are gathered as rows finish)
                ConvParams.of(17, 64, 8, 24, 64, 3, 1, 1),
                // 32 channels, 16 wide: Winograd F(4x4,3x3) under auto (two tile rows per band)
                ConvParams.of(17, 32, 8, 16, 32, 3, 1, 1));
    }

    /**
     * {@link Backend#convBatchNormTrain} against the composition it fuses, {@code convForward} then
     * {@code batchNormTrain} (checked against the reference above), with base, ReLU and residual, on data with a
     * mean far from zero; and bit for bit repeatable.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("convBatchNormProblems")
    void convBatchNormTrainMatchesTheComposition(ConvParams p) {
        Backend b = backend();
        Random r = new Random(p.hashCode() + 7);
        int c = p.cout(), outSize = p.n() * c * p.oh() * p.ow();
        float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), w = random(r, (int) p.weightElements());
        for (int i = 0; i < x.length; i++) x[i] = 2 + x[i]; // a large mean against the spread
        float[] base = random(r, outSize), res = random(r, outSize), gamma = random(r, c), beta = random(r, c);
        float[] rm = random(r, c), rv = new float[c];
        for (int i = 0; i < c; i++) rv[i] = 1 + i;
        Tensor tx = act(b, x, p.n(), p.cin(), p.h(), p.w()), tw = plain(b, w, p.cout(), p.cinPerGroup(), p.k(), p.k());
        for (boolean withBase : new boolean[]{false, true}) {
            for (boolean relu : new boolean[]{false, true}) {
                boolean withResidual = relu == withBase;
                float alpha = withBase ? -1f : 1f;
                Tensor tb = withBase ? act(b, base, p.n(), c, p.oh(), p.ow()) : null;
                Tensor tres = withResidual ? act(b, res, p.n(), c, p.oh(), p.ow()) : null;
                String what = "conv+bn " + p.descriptor() + " base=" + withBase + " relu=" + relu + " residual=" + withResidual;
                float[][] composed = convBatchNorm(b, true, p, tx, tw, tb, alpha, gamma, beta, rm, rv, relu, tres);
                float[][] fused = convBatchNorm(b, false, p, tx, tw, tb, alpha, gamma, beta, rm, rv, relu, tres);
                String[] names = {"t", "y", "mean", "invstd", "running mean", "running var"};
                double[] tol = {0, 1e-4, 1e-5, 1e-4, 1e-5, 1e-4};
                for (int k = 0; k < names.length; k++) {
                    assertClose(what + " " + names[k], composed[k], fused[k], tol[k] == 0 ? 0 : 1e-4, tol[k] * slack());
                }
                float[][] again = convBatchNorm(b, false, p, tx, tw, tb, alpha, gamma, beta, rm, rv, relu, tres);
                for (int k = 0; k < names.length; k++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(fused[k], again[k], what + " " + names[k] + " repeats bit for bit");
                }
            }
        }
    }

    /**
     * The gradient epilogues ({@link GradientEpilogue}) of an input gradient: the convolution with the epilogue
     * against the convolution followed by the epilogue's own pass, and the split batch-norm backward (reductions,
     * then one pass) against {@link Backend#batchNormBackward} (checked against the reference above), bit for bit,
     * writing and accumulating; the reductions also against sums in double on the host. The problems reach both
     * kinds of input-gradient kernels: the stride-1 'same' ones run the epilogue row by row, the others after.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("convBatchNormProblems")
    void gradientEpiloguesMatchTheirOwnPasses(ConvParams p) {
        Backend b = backend();
        org.junit.jupiter.api.Assumptions.assumeTrue(b.fusesGradientPasses(), b.name() + " runs the unsplit batch-norm backward");
        Random r = new Random(p.hashCode() + 11);
        int n = p.n(), c = p.cin(), h = p.h(), w = p.w(), size = n * c * h * w;
        float[] dyv = random(r, n * p.cout() * p.oh() * p.ow()), wv = random(r, (int) p.weightElements());
        float[] old = random(r, size), xbn = random(r, size), yRelu = random(r, size);
        for (int i = 0; i < size; i++) xbn[i] = 1.5f + 2 * xbn[i]; // batch norm's input: mean and spread not 0 and 1
        float[] gamma = random(r, c), beta = random(r, c), mean = new float[c], inv = new float[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = 1.5f + 0.1f * ch;
            inv[ch] = 0.5f + 0.05f * ch;
        }
        Tensor tdy = act(b, dyv, n, p.cout(), p.oh(), p.ow()), tw = plain(b, wv, p.cout(), p.cinPerGroup(), p.k(), p.k());
        Tensor tx = act(b, xbn, n, c, h, w), ty = act(b, yRelu, n, c, h, w);
        Tensor tg = plain(b, gamma, c), tbe = plain(b, beta, c), tm = plain(b, mean, c), ti = plain(b, inv, c);
        for (boolean accumulate : new boolean[]{false, true}) {
            for (boolean relu : new boolean[]{false, true}) {
                String what = p.descriptor() + " accumulate=" + accumulate + " relu=" + relu;
                float alpha = accumulate ? -1f : 1f;
                // the composition: input gradient, then each epilogue as a pass of its own
                Tensor plainDx = act(b, old, n, c, h, w);
                b.convBackwardData(p, tdy, tw, plainDx, alpha, accumulate);
                Tensor masked = act(b, new float[size], n, c, h, w);
                b.reluBackward(ty, plainDx, masked, false);
                Tensor sumsPlain = plain(b, new float[2 * c], 2 * c);
                b.batchNormBackwardSums(tx, tg, tbe, tm, ti, relu, plainDx, sumsPlain);
                // fused: the same input gradient with the epilogue
                Tensor maskDx = act(b, old, n, c, h, w);
                b.convBackwardData(p, tdy, tw, maskDx, alpha, accumulate, new GradientEpilogue.ReluMask(ty));
                org.junit.jupiter.api.Assertions.assertArrayEquals(b.download(masked), b.download(maskDx), what + " relu mask in the epilogue");
                Tensor sumsDx = act(b, old, n, c, h, w), sums = plain(b, new float[2 * c], 2 * c);
                b.convBackwardData(p, tdy, tw, sumsDx, alpha, accumulate,
                        new GradientEpilogue.BatchNormSums(tx, tg, tbe, tm, ti, relu, sums));
                float[] g = b.download(plainDx);
                org.junit.jupiter.api.Assertions.assertArrayEquals(g, b.download(sumsDx), what + " input gradient with the sums epilogue");
                org.junit.jupiter.api.Assertions.assertArrayEquals(b.download(sumsPlain), b.download(sums), what + " batch-norm sums in the epilogue");
                // the sums in double on the host
                float[] expect = new float[2 * c];
                int hw = h * w;
                for (int ch = 0; ch < c; ch++) {
                    double s0 = 0, s1 = 0;
                    for (int i = 0; i < n; i++) {
                        for (int k = 0; k < hw; k++) {
                            int idx = (i * c + ch) * hw + k;
                            double xh = ((double) xbn[idx] - mean[ch]) * inv[ch];
                            double dz = relu && gamma[ch] * xh + beta[ch] <= 0 ? 0 : g[idx];
                            s0 += dz;
                            s1 += dz * xh;
                        }
                    }
                    expect[ch] = (float) s0;
                    expect[c + ch] = (float) s1;
                }
                assertClose(what + " batch-norm sums vs the host", expect, b.download(sums), 1e-4, 1e-4 * Math.sqrt(size) * slack());
                // the split backward against the whole one
                float[] dxOld = random(r, size), dgOld = random(r, c), dbOld = random(r, c);
                Tensor dxWhole = act(b, dxOld, n, c, h, w), dgWhole = plain(b, dgOld, c), dbWhole = plain(b, dbOld, c);
                Tensor dxSplit = act(b, dxOld, n, c, h, w), dgSplit = plain(b, dgOld, c), dbSplit = plain(b, dbOld, c);
                b.batchNormBackward(tx, tg, tbe, tm, ti, relu, plainDx, dxWhole, accumulate, dgWhole, dbWhole, accumulate);
                b.batchNormBackwardWithSums(tx, tg, tbe, tm, ti, relu, sumsDx, sums, dxSplit, accumulate, dgSplit, dbSplit,
                        accumulate);
                org.junit.jupiter.api.Assertions.assertArrayEquals(b.download(dxWhole), b.download(dxSplit), what + " batch-norm dx, split");
                org.junit.jupiter.api.Assertions.assertArrayEquals(b.download(dgWhole), b.download(dgSplit), what + " dgamma, split");
                org.junit.jupiter.api.Assertions.assertArrayEquals(b.download(dbWhole), b.download(dbSplit), what + " dbeta, split");
            }
        }
    }

    /** t, y, mean, invstd, running mean and running var after one call, composed or fused. */
    private float[][] convBatchNorm(Backend b, boolean composed, ConvParams p, Tensor tx, Tensor tw, Tensor tb, float alpha,
                                    float[] gamma, float[] beta, float[] rm, float[] rv, boolean relu, Tensor tres) {
        int c = p.cout();
        Tensor t = b.allocate(Shape.of(p.n(), c, p.oh(), p.ow()), Layout.BATCH_BLOCKED);
        Tensor y = b.allocate(t.shape(), Layout.BATCH_BLOCKED);
        Tensor tg = plain(b, gamma, c), tbe = plain(b, beta, c), trm = plain(b, rm, c), trv = plain(b, rv, c);
        Tensor sm = b.allocate(Shape.of(c), Layout.PLAIN), si = b.allocate(Shape.of(c), Layout.PLAIN);
        if (composed) {
            b.convForward(p, tx, tw, t, tb, alpha);
            b.batchNormTrain(t, tg, tbe, trm, trv, 0.1f, 1e-5f, sm, si, relu, tres, y);
        } else {
            b.convBatchNormTrain(p, tx, tw, tb, alpha, t, tg, tbe, trm, trv, 0.1f, 1e-5f, sm, si, relu, tres, y);
        }
        return new float[][]{b.download(t), b.download(y), b.download(sm), b.download(si), b.download(trm), b.download(trv)};
    }

    private static float[] times(float[] a, float s) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] * s;
        return r;
    }

    @Test
    void elementwiseOpsMatchReference() {
        Backend b = backend();
        int n = 19, c = 3, h = 2, w = 3, size = n * c * h * w;
        Random r = new Random(5);
        float[] x = random(r, size), y = random(r, size), dy = random(r, size), old = random(r, size);
        Tensor tx = act(b, x, n, c, h, w), ty = act(b, y, n, c, h, w), out = act(b, new float[size], n, c, h, w);
        b.axpby(2f, tx, -3f, ty, false, out);
        float[] e = new float[size];
        for (int i = 0; i < size; i++) e[i] = 2 * x[i] - 3 * y[i];
        assertClose("axpby", e, b.download(out), 1e-6, 1e-6);
        b.axpby(1f, tx, 1f, ty, true, out);
        for (int i = 0; i < size; i++) e[i] = Math.max(0, x[i] + y[i]);
        assertClose("axpby relu", e, b.download(out), 1e-6, 1e-6);
        Tensor tdy = act(b, dy, n, c, h, w), tdx = act(b, old, n, c, h, w);
        b.reluBackward(out, tdy, tdx, true);
        for (int i = 0; i < size; i++) e[i] = old[i] + (e[i] > 0 ? dy[i] : 0);
        assertClose("relu backward (accumulate)", e, b.download(tdx), 1e-6, 1e-6);
        b.scaleInto(tdy, 0.5f, tdx, false);
        for (int i = 0; i < size; i++) e[i] = 0.5f * dy[i];
        assertClose("scale_into", e, b.download(tdx), 1e-6, 1e-6);
        assertEquals(sumSq(dy), b.sumOfSquares(tdy), 1e-4 * sumSq(dy), "sum of squares");
    }

    private static double sumSq(float[] a) {
        double s = 0;
        for (float v : a) s += (double) v * v;
        return s;
    }

    @Test
    void poolingBiasAndShortcutMatchReference() {
        Backend b = backend();
        int n = 18, c = 4, h = 5, w = 3;
        Random r = new Random(9);
        float[] x = random(r, n * c * h * w);
        Tensor tx = act(b, x, n, c, h, w), tp = b.allocate(Shape.of(n, c, 1, 1), Layout.BATCH_BLOCKED);
        b.globalAvgPool(tx, tp);
        assertClose("global avg pool", Reference.globalAvgPool(x, n, c, h * w), b.download(tp), 1e-5, 1e-6);
        float[] dy = random(r, n * c);
        Tensor tdy = act(b, dy, n, c, 1, 1), tdx = act(b, new float[x.length], n, c, h, w);
        b.globalAvgPoolBackward(tdy, tdx, false);
        float[] e = new float[x.length];
        for (int i = 0; i < x.length; i++) e[i] = dy[i / (h * w)] / (h * w);
        assertClose("global avg pool backward", e, b.download(tdx), 1e-6, 1e-7);
        float[] bias = random(r, c);
        b.addBias(tdx, plain(b, bias, c));
        for (int i = 0; i < x.length; i++) e[i] += bias[(i / (h * w)) % c];
        assertClose("add bias", e, b.download(tdx), 1e-6, 1e-6);
        Tensor db = b.allocate(Shape.of(c), Layout.PLAIN);
        b.biasBackward(tx, db, false);
        float[] eb = new float[c];
        for (int i = 0; i < x.length; i++) eb[(i / (h * w)) % c] += x[i];
        assertClose("bias backward", eb, b.download(db), 1e-5, 1e-4);
        // option-A shortcut, stride 2, channels 4 -> 8
        Tensor ts = b.allocate(Shape.of(n, 8, 3, 2), Layout.BATCH_BLOCKED);
        b.shortcutA(tx, 2, ts);
        float[] es = Reference.shortcutA(x, n, c, h, w, 8, 2);
        assertClose("shortcut A", es, b.download(ts), 0, 0);
        Tensor tdxs = act(b, new float[x.length], n, c, h, w);
        b.shortcutABackward(ts, 2, tdxs, false);
        float[] back = new float[x.length];
        for (int i = 0; i < n; i++) for (int ch = 0; ch < c; ch++) for (int yy = 0; yy < h; yy += 2) for (int xx = 0; xx < w; xx += 2) {
            int idx = ((i * c + ch) * h + yy) * w + xx;
            back[idx] = x[idx];
        }
        assertClose("shortcut A backward", back, b.download(tdxs), 0, 0);
    }

    @Test
    void sgdStepMatchesPyTorchFormula() {
        Backend b = backend();
        Random r = new Random(3);
        float[] p = random(r, 37), g = random(r, 37), v = random(r, 37);
        for (boolean nesterov : new boolean[]{false, true}) {
            Tensor tp = plain(b, p, 37), tg = plain(b, g, 37), tv = plain(b, v, 37);
            b.sgdStep(tp, tg, tv, 0.1f, 0.9f, 1e-2f, nesterov);
            float[] ep = new float[37], ev = new float[37];
            for (int i = 0; i < 37; i++) {
                float gg = g[i] + 1e-2f * p[i];
                ev[i] = 0.9f * v[i] + gg;
                ep[i] = p[i] - 0.1f * (nesterov ? gg + 0.9f * ev[i] : ev[i]);
            }
            assertClose("sgd velocity nesterov=" + nesterov, ev, b.download(tv), 1e-6, 1e-6);
            assertClose("sgd param nesterov=" + nesterov, ep, b.download(tp), 1e-6, 1e-6);
        }
    }

    @Test
    void badShapesFailWithTheOperatorsName() {
        Backend b = backend();
        ConvParams p = ConvParams.of(2, 8, 4, 4, 8, 3, 1, 2);
        Tensor x = b.allocate(Shape.of(2, 8, 4, 4), Layout.BATCH_BLOCKED);
        Tensor wrongW = b.allocate(Shape.of(8, 8, 3, 3), Layout.PLAIN);
        Tensor y = b.allocate(Shape.of(2, 8, 4, 4), Layout.BATCH_BLOCKED);
        var e = assertThrows(IllegalArgumentException.class, () -> b.convForward(p, x, wrongW, y, null, 1f));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("conv2d") && e.getMessage().contains("[8, 4, 3, 3]"),
                e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> ConvParams.of(2, 6, 4, 4, 8, 3, 1, 4));
        org.junit.jupiter.api.Assertions.assertTrue(e2.getMessage().contains("groups=4"), e2.getMessage());
        Tensor small = b.allocate(Shape.of(2, 4, 4, 4), Layout.BATCH_BLOCKED);
        assertThrows(IllegalArgumentException.class, () -> b.axpby(1, x, 1, small, false, y));
    }

    /**
     * Every backend refuses the same wrong calls (the checks beside {@link Backend}): an activation of another batch
     * block given to batch norm (the old check compared the tensor's block with itself), a plain tensor as a pooled
     * output, a vector of the wrong length for the bias gradient, a stride-0 shortcut.
     */
    @Test
    void everyBackendRefusesTheSameWrongCalls() {
        Backend b = backend();
        int foreign = b.batchBlock() == 1 ? 2 : b.batchBlock() / 2;
        Shape s = Shape.of(2, 4, 3, 3);
        Tensor x = b.allocate(s, Layout.BATCH_BLOCKED), y = b.allocate(s, Layout.BATCH_BLOCKED);
        Tensor other = new Tensor(s, Layout.BATCH_BLOCKED, foreign, x.storage());
        Tensor g = b.allocate(Shape.of(4), Layout.PLAIN), bt = b.allocate(Shape.of(4), Layout.PLAIN);
        Tensor m = b.allocate(Shape.of(4), Layout.PLAIN), v = b.allocate(Shape.of(4), Layout.PLAIN);
        Tensor sm = b.allocate(Shape.of(4), Layout.PLAIN), si = b.allocate(Shape.of(4), Layout.PLAIN);
        var e = assertThrows(IllegalArgumentException.class,
                () -> b.batchNormTrain(other, g, bt, m, v, 0.1f, 1e-5f, sm, si, false, null, other));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("batch_norm (train): input has batch block " + foreign), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.batchNormEval(other, g, bt, m, v, 1e-5f, false, null, other));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("batch_norm (eval): input has batch block"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.globalAvgPool(x, b.allocate(Shape.of(2, 4, 1, 1), Layout.PLAIN)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("global_avg_pool: pooled"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.biasBackward(y, b.allocate(Shape.of(3), Layout.PLAIN), false));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("bias backward: expected a vector of 4 channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.shortcutA(x, 0, y));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("stride must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.batchNormBackward(x, g, bt, sm, si, false, y, y, false,
                b.allocate(Shape.of(5), Layout.PLAIN), bt, false));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("batch_norm backward dgamma"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.upload(new float[3], x));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("upload: 3 floats"), e.getMessage());
    }
}
