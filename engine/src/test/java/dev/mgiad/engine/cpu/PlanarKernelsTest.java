package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.ref.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static dev.mgiad.engine.conformance.Numerics.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The small-batch inference kernels against the plain reference, over awkward shapes (as every operator is). */
class PlanarKernelsTest {
    private static final PlanarKernels K = new PlanarKernels(2);

    @AfterAll static void close() { K.close(); }

    static Stream<ConvParams> convProblems() {
        return Stream.of(
                ConvParams.of(1, 3, 32, 32, 16, 3, 1, 1),   // a stem on one image
                ConvParams.of(1, 16, 8, 8, 16, 3, 1, 4),    // g_s = 4
                ConvParams.of(3, 12, 7, 5, 12, 3, 1, 3),    // odd sizes, columns not a multiple of the vector
                ConvParams.of(2, 8, 9, 9, 8, 3, 2, 8),      // depthwise stride 2, odd input
                ConvParams.of(5, 8, 6, 6, 16, 3, 2, 1),     // dense stride 2
                ConvParams.of(1, 6, 2, 2, 10, 3, 1, 2),     // 2x2 image, fewer columns than a vector, 5 per group
                ConvParams.of(4, 16, 5, 5, 24, 1, 1, 4),    // grouped 1x1
                ConvParams.of(2, 16, 4, 4, 32, 1, 2, 1),    // 1x1 stride 2
                ConvParams.of(15, 4, 4, 4, 7, 3, 1, 1),     // 15 images, 7 outputs (a block of 4 plus 3 rows)
                ConvParams.of(2, 4, 7, 6, 8, 5, 1, 2),      // 5x5 "same": taps two rows away
                ConvParams.of(1, 8, 1, 1, 8, 3, 1, 1),      // 1x1 image under a 3x3 kernel: only the centre tap
                ConvParams.of(3, 6, 2, 3, 6, 3, 2, 3));     // unfolded path: stride 2 on a 2x3 image
    }

    private static double convTol(ConvParams p) { return 1e-5 * (p.cinPerGroup() * p.taps() + 1); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convProblems")
    void convMatchesReference(ConvParams p) {
        Random r = new Random(p.hashCode());
        float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), w = random(r, (int) p.weightElements());
        float[] base = random(r, p.n() * p.cout() * p.oh() * p.ow());
        float[] expect = Reference.convForward(p, x, w);
        Planar px = Planar.fromNchw(x, p.n(), p.cin(), p.h(), p.w());
        assertClose("conv " + p.descriptor(), expect, K.conv(p, px, w, null, 1f).toNchw(), 1e-4, convTol(p));
        float[] fused = new float[expect.length];
        for (int i = 0; i < fused.length; i++) fused[i] = base[i] - 0.5f * expect[i];
        Planar pb = Planar.fromNchw(base, p.n(), p.cout(), p.oh(), p.ow());
        assertClose("base - conv/2 " + p.descriptor(), fused, K.conv(p, px, w, pb, -0.5f).toNchw(), 1e-4, convTol(p));
    }

    @Test
    void batchNormMatchesReference() {
        Random r = new Random(7);
        int n = 3, c = 5, h = 3, w = 7;
        float[] x = random(r, n * c * h * w), res = random(r, x.length), gamma = random(r, c), beta = random(r, c);
        float[] mean = random(r, c), var = new float[c];
        for (int i = 0; i < c; i++) var[i] = 0.5f + r.nextFloat();
        for (boolean relu : new boolean[] {false, true}) {
            for (float[] residual : new float[][] {null, res}) {
                float[] e = Reference.batchNormEval(x, n, c, h * w, gamma, beta, mean, var, 1e-5f, relu, residual);
                Planar got = K.batchNorm(Planar.fromNchw(x, n, c, h, w), gamma, beta, mean, var, 1e-5f, relu,
                        residual == null ? null : Planar.fromNchw(residual, n, c, h, w));
                assertClose("batch norm relu=" + relu + " residual=" + (residual != null), e, got.toNchw(), 1e-5, 1e-5);
            }
        }
    }

    @Test
    void elementwisePoolingShortcutAndLinear() {
        Random r = new Random(11);
        int n = 2, c = 4, h = 5, w = 3;
        float[] x = random(r, n * c * h * w), y = random(r, x.length);
        Planar px = Planar.fromNchw(x, n, c, h, w), py = Planar.fromNchw(y, n, c, h, w);
        float[] e = new float[x.length];
        for (int i = 0; i < e.length; i++) e[i] = Math.max(0f, 0.5f * x[i] - 2f * y[i]);
        assertClose("axpby relu", e, K.axpby(0.5f, px, -2f, py, true).toNchw(), 1e-6, 1e-6);
        for (int i = 0; i < e.length; i++) e[i] = 3f * x[i];
        assertClose("scale", e, K.axpby(3f, px, 0f, null, false).toNchw(), 1e-6, 1e-6);
        assertClose("global avg pool", Reference.globalAvgPool(x, n, c, h * w), K.globalAvgPool(px).toNchw(), 1e-5, 1e-6);
        assertArrayEquals(Reference.shortcutA(x, n, c, h, w, 8, 2), K.shortcutA(px, 2, 8).toNchw(), "shortcut A");
        // linear: [N, F, 1, 1] -> [N, out, 1, 1], checked as a 1x1 convolution plus bias
        int f = 37, out = 10;
        float[] feat = random(r, n * f), wt = random(r, out * f), bias = random(r, out);
        float[] lin = Reference.convForward(ConvParams.of(n, f, 1, 1, out, 1, 1, 1), feat, wt);
        for (int i = 0; i < n; i++) for (int o = 0; o < out; o++) lin[i * out + o] += bias[o];
        assertClose("linear", lin, K.linear(Planar.fromNchw(feat, n, f, 1, 1), wt, bias).toNchw(), 1e-4, 1e-4);
    }

    @Test
    void layoutRoundTripsAndShapesAreChecked() {
        float[] x = random(new Random(3), 2 * 3 * 4 * 5);
        assertArrayEquals(x, Planar.fromNchw(x, 2, 3, 4, 5).toNchw());
        Planar px = Planar.fromNchw(x, 2, 3, 4, 5);
        assertThrows(IllegalArgumentException.class, () -> K.conv(ConvParams.of(2, 4, 4, 5, 4, 3, 1, 1), px, new float[144], null, 1f));
        assertThrows(IllegalArgumentException.class, () -> K.axpby(1f, px, 1f, Planar.zeros(2, 3, 5, 4), false));
        assertThrows(IllegalArgumentException.class, () -> new Planar(1, 1, 2, 2, new float[3]));
    }
}
