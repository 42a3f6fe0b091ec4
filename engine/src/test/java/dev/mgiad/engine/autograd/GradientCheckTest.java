package dev.mgiad.engine.autograd;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of the autograd tape: every operator on its own, and a small MgNet-like network whose
 * A and B weights are shared by several call sites (their gradients must be the sums over all uses).
 * Central differences in float32 with eps = 1e-3 on a projection loss: the truncation error is O(eps^2), the
 * rounding error O(1e-7 / eps), so 2e-2 relative plus a floor of 2e-3 of the gradient RMS separates right from wrong.
 */
class GradientCheckTest {
    private static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    /** A loss that is smooth in the output: sum of out * fixed random weights. */
    private static double projection(Graph g, Var out, float[] proj, boolean seed) {
        float[] v = g.backend().download(out.value());
        double s = 0;
        for (int i = 0; i < v.length; i++) s += (double) v[i] * proj[i];
        if (seed) g.seedGradient(out, proj);
        return s;
    }

    private interface Net { Var forward(Graph g, Var x); }

    /** Checks d loss / d input and d loss / d every parameter on random coordinates. */
    private static void check(String what, Module m, Net net, int n, int c, int h, int w, int coords, String... only) {
        Backend be = CPU;
        Random r = new Random(what.hashCode());
        float[] x = new float[n * c * h * w];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Graph g = new Graph(be);
        Tensor xt = be.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED);
        be.upload(x, xt);
        Var xv = g.wrap(xt, true);
        Var out = net.forward(g, xv);
        float[] proj = new float[(int) out.shape().elements()];
        for (int i = 0; i < proj.length; i++) proj[i] = (float) r.nextGaussian();
        for (Parameter p : m.parameters()) p.zeroGrad();
        projection(g, out, proj, true);
        g.backward();
        float[] dx = be.download(xv.grad());
        Function<float[], Double> lossAtX = xs -> {
            Graph gg = new Graph(be);
            Tensor t = be.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED);
            be.upload(xs, t);
            return projection(gg, net.forward(gg, gg.wrap(t, true)), proj, false);
        };
        double eps = 1e-3; // small enough that few ReLU kinks fall inside [w - eps, w + eps], large enough for float32
        double scale = rms(dx);
        for (int k = 0; k < coords; k++) {
            int i = r.nextInt(x.length);
            float[] xp = x.clone(), xm = x.clone();
            xp[i] += (float) eps;
            xm[i] -= (float) eps;
            double fd = (lossAtX.apply(xp) - lossAtX.apply(xm)) / (2 * eps);
            assertNear(what + " d/dx[" + i + "]", fd, dx[i], scale);
        }
        for (var e : m.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.unused() || (only.length > 0 && java.util.Arrays.stream(only).noneMatch(e.getKey()::startsWith))) continue;
            assertTrue(p.gradValid(), what + ": parameter " + e.getKey() + " received no gradient");
            float[] grad = be.download(p.grad(be)), val = be.download(p.value());
            double pscale = rms(grad);
            for (int k = 0; k < Math.min(coords, val.length); k++) {
                int i = r.nextInt(val.length);
                float[] vp = val.clone(), vm = val.clone();
                vp[i] += (float) eps;
                vm[i] -= (float) eps;
                be.upload(vp, p.value());
                double lp = lossAtX.apply(x);
                be.upload(vm, p.value());
                double lm = lossAtX.apply(x);
                be.upload(val, p.value());
                assertNear(what + " d/d" + e.getKey() + "[" + i + "]", (lp - lm) / (2 * eps), grad[i], pscale);
            }
        }
    }

    private static double rms(float[] a) {
        double s = 0;
        for (float v : a) s += (double) v * v;
        return Math.sqrt(s / Math.max(1, a.length));
    }

    private static void assertNear(String what, double fd, double analytic, double scale) {
        double tol = 2e-2 * Math.max(Math.abs(fd), Math.abs(analytic)) + 2e-3 * scale + 1e-4;
        assertTrue(Math.abs(fd - analytic) <= tol, what + ": finite difference " + fd + " vs backward " + analytic);
    }

    static final class Tiny extends Module {
        final Conv2d stem, a, b, dw, pi, oneByOne;
        final BatchNorm2d bnStem, bnR0, bnU0, bnR1, bnU1;
        final Linear fc;

        Tiny(Backend be) {
            super(be);
            SplittableRandom rng = new SplittableRandom(7);
            stem = child("stem", new Conv2d(be, rng, 2, 4, 3, 1, 1));
            bnStem = child("bn_stem", new BatchNorm2d(be, 4));
            a = child("A", new Conv2d(be, rng, 4, 4, 3, 1, 2));
            b = child("B", new Conv2d(be, rng, 4, 4, 3, 1, 2));
            bnR0 = child("bn_r0", new BatchNorm2d(be, 4));
            bnU0 = child("bn_u0", new BatchNorm2d(be, 4));
            bnR1 = child("bn_r1", new BatchNorm2d(be, 4));
            bnU1 = child("bn_u1", new BatchNorm2d(be, 4));
            dw = child("dw", new Conv2d(be, rng, 4, 8, 3, 2, 4));
            pi = child("pi", new Conv2d(be, rng, 8, 4, 1, 1, 4));
            oneByOne = child("p", new Conv2d(be, rng, 4, 8, 1, 1, 4));
            fc = child("fc", new Linear(be, rng, 8, 3));
        }

        /** f = stem(x); two smoothing steps u = u + ReLU(BN(B ReLU(BN(f - A u)))) sharing A and B; transfers; head. */
        Var forward(Graph g, Var x) {
            Var f = g.batchNorm(bnStem, g.conv(stem, x), true, null);
            Var u = g.batchNorm(bnU0, g.conv(b, g.batchNorm(bnR0, g.convInto(a, f, f, -1f), true, null)), true, f);
            Var r = g.batchNorm(bnR1, g.convInto(a, u, f, -1f), true, null);
            u = g.batchNorm(bnU1, g.conv(b, r), true, u);
            Var coarse = g.conv(dw, u);                   // depthwise, multiplier 2, stride 2
            Var back = g.conv(oneByOne, g.conv(pi, coarse)); // 1x1 grouped restriction and prolongation
            Var pooled = g.globalAvgPool(g.axpby(1f, back, 0.5f, coarse, false));
            return g.linear(fc, pooled);
        }
    }

    @Test
    void smallNetworkWithSharedWeightsMatchesFiniteDifferences() {
        Tiny t = new Tiny(CPU);
        check("tiny mgnet", t, t::forward, 3, 2, 6, 5, 6);
    }

    /**
     * The same network with the fused conv + batch-norm operator wherever a batch norm follows a convolution: finite
     * differences, and the unfused graph's gradients bit for bit.
     */
    @Test
    void fusedConvBatchNormMatchesFiniteDifferencesAndTheUnfusedGraph() {
        Tiny t = new Tiny(CPU);
        Net fused = (g, x) -> {
            Var f = g.convBatchNorm(t.stem, x, null, 1f, t.bnStem, true, null);
            Var r0 = g.convBatchNorm(t.a, f, f, -1f, t.bnR0, true, null);
            Var u = g.convBatchNorm(t.b, r0, null, 1f, t.bnU0, true, f);
            Var r = g.convBatchNorm(t.a, u, f, -1f, t.bnR1, true, null);
            u = g.convBatchNorm(t.b, r, null, 1f, t.bnU1, true, u);
            Var coarse = g.conv(t.dw, u);
            Var back = g.conv(t.oneByOne, g.conv(t.pi, coarse));
            return g.linear(t.fc, g.globalAvgPool(g.axpby(1f, back, 0.5f, coarse, false)));
        };
        check("tiny mgnet, fused conv+bn", t, fused, 3, 2, 6, 5, 6);
        // fused and unfused graphs compute the same rows of statistics and accumulate gradients in the same order
        Random r = new Random(11);
        float[] x = new float[3 * 2 * 6 * 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[][] unfused = gradients(t, t::forward, x), withFusion = gradients(t, fused, x);
        assertEquals(unfused.length, withFusion.length);
        for (int k = 0; k < unfused.length; k++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(unfused[k], withFusion[k], "gradient " + k + " fused vs unfused, bit for bit");
        }
    }

    /**
     * MGiaD's patterns: smoothing steps; the residual ReLU(f - A u) (its ReLU in the convolution's epilogue) read by
     * a 1x1 grouped transfer (its mask in that transfer's input-gradient epilogue); batch-norm outputs read by 3x3 convolutions and, through a ReLU, by a
     * strided depthwise one (whose kernels run the epilogues as passes of their own); a shared 1x1 weight. With
     * {@code residualLast} the residual is taken after the second smoothing step: another order of contributions, in
     * which the last u's gradient is finished by the residual's convolution.
     */
    private static Var mgiadLike(Tiny t, Graph g, Var x, boolean residualLast) {
        Var f = g.convBatchNorm(t.stem, x, null, 1f, t.bnStem, true, null);
        Var r0 = g.convBatchNorm(t.a, f, f, -1f, t.bnR0, true, null);
        Var u = g.convBatchNorm(t.b, r0, null, 1f, t.bnU0, true, f);
        Var coarse = residualLast ? null : g.conv(t.oneByOne, g.convIntoRelu(t.a, u, f, -1f));
        Var r = g.convBatchNorm(t.a, u, f, -1f, t.bnR1, true, null);
        u = g.convBatchNorm(t.b, r, null, 1f, t.bnU1, true, u);
        if (residualLast) coarse = g.conv(t.oneByOne, g.convIntoRelu(t.a, u, f, -1f));
        Var down = g.conv(t.oneByOne, g.conv(t.pi, g.conv(t.dw, g.relu(u))));
        return g.linear(t.fc, g.add(g.globalAvgPool(coarse), g.globalAvgPool(down)));
    }

    /**
     * The gradient epilogues of the graph (batch norm's backward reductions and ReLU masks in the epilogue of the
     * input gradient that finishes their gradient, the residual's ReLU in its convolution's epilogue): finite
     * differences, the graph without fusion bit for bit, and the profile shows that the epilogues ran (a check that
     * cannot pass with the fusion silently off). The finite differences run on the net whose gradients stand well
     * above float32's rounding; on the other one a few input coordinates have gradients of 4e-3, where the central
     * difference itself errs by about 3e-4, with and without fusion alike.
     */
    @Test
    void gradientEpiloguesMatchFiniteDifferencesAndTheUnfusedGraph() {
        Tiny t = new Tiny(CPU);
        check("tiny mgiad-like, gradient epilogues", t, (g, x) -> mgiadLike(t, g, x, false), 3, 2, 6, 5, 6);
        Random r = new Random(12);
        float[] x = new float[3 * 2 * 6 * 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (boolean residualLast : new boolean[]{false, true}) {
            float[][] unfused = gradients(t, (g, v) -> mgiadLike(t, g, v, residualLast), x, false, CPU);
            float[][] fused = gradients(t, (g, v) -> mgiadLike(t, g, v, residualLast), x, true, CPU);
            assertEquals(unfused.length, fused.length);
            for (int k = 0; k < unfused.length; k++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(unfused[k], fused[k],
                        "gradient " + k + " with gradient epilogues vs without, bit for bit, residualLast=" + residualLast);
            }
        }
        var profiled = new dev.mgiad.engine.backend.ProfilingBackend(CPU);
        gradients(t, (g, v) -> mgiadLike(t, g, v, true), x, true, profiled);
        java.util.Map<String, Double> calls = new java.util.HashMap<>();
        for (var row : profiled.rows(1)) {
            String[] words = row.operator().split(" "); // e.g. "conv bwd-data+bn-sums 3x3 s1 ...": its first two
            calls.merge(words[0] + (words.length > 1 ? " " + words[1] : ""), row.callsPerStep(), Double::sum);
        }
        // r0 and r are read by B alone, each u's last use in backward order is an A's input gradient: their
        // reductions in a 3x3 input gradient's epilogue; f's last contribution is the identity edge of a base, so
        // its batch norm reduces in a pass of their own
        assertEquals(4.0, calls.getOrDefault("conv bwd-data+bn-sums", 0.0), "batch-norm sums in an epilogue: " + calls);
        assertEquals(1.0, calls.getOrDefault("batchnorm bwd-sums", 0.0), "batch-norm sums as their own pass: " + calls);
        assertEquals(5.0, calls.getOrDefault("batchnorm bwd-dx", 0.0), "batch-norm backward as one pass: " + calls);
        assertEquals(0.0, calls.getOrDefault("batchnorm bwd", 0.0), "batch-norm backward unsplit: " + calls);
        // the residual's mask in the 1x1 transfer's epilogue; relu(u)'s right after the depthwise stride-2 kernel
        assertEquals(2.0, calls.getOrDefault("conv bwd-data+relu", 0.0), "ReLU masks fused: " + calls);
        assertEquals(0.0, calls.getOrDefault("relu bwd", 0.0), "ReLU masks as their own pass: " + calls);
        // the residual's forward ReLU in its convolution's epilogue
        assertEquals(1.0, calls.getOrDefault("conv fwd+relu", 0.0), "forward ReLU fused: " + calls);
    }

    /** d(sum of outputs)/d(input) and every parameter gradient, in the module's parameter order. */
    private static float[][] gradients(Tiny t, Net net, float[] x) { return gradients(t, net, x, true, CPU); }

    private static float[][] gradients(Tiny t, Net net, float[] x, boolean fusion, Backend be) {
        Graph g = new Graph(be);
        g.setFusion(fusion);
        Tensor xt = CPU.allocate(Shape.of(3, 2, 6, 5), Layout.BATCH_BLOCKED);
        CPU.upload(x, xt);
        Var xv = g.wrap(xt, true);
        Var out = net.forward(g, xv);
        for (Parameter p : t.parameters()) p.zeroGrad();
        float[] ones = new float[(int) out.shape().elements()];
        java.util.Arrays.fill(ones, 1f);
        g.seedGradient(out, ones);
        g.backward();
        java.util.List<float[]> l = new java.util.ArrayList<>();
        l.add(CPU.download(xv.grad()));
        for (Parameter p : t.parameters()) if (!p.unused() && p.gradValid()) l.add(CPU.download(p.grad(CPU)));
        return l.toArray(new float[0][]);
    }

    @Test
    void resnetOptionAShortcutAndReluMatchFiniteDifferences() {
        Tiny t = new Tiny(CPU);
        check("shortcut", t, (g, x) -> {
            Var f = g.conv(t.stem, x);
            Var s = g.shortcutA(f, 2, 8);
            return g.relu(g.add(s, g.conv(t.dw, f)));
        }, 2, 2, 5, 5, 6, "stem.", "dw.");
    }

    @Test
    void crossEntropyGradientMatchesFiniteDifferences() {
        Tiny t = new Tiny(CPU);
        Random r = new Random(1);
        int n = 5;
        float[] x = new float[n * 2 * 6 * 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] labels = {0, 2, 1, 1, 0};
        Function<Boolean, Double> run = doBackward -> {
            Graph g = new Graph(CPU);
            Var logits = t.forward(g, g.input(x, n, 2, 6, 5));
            double loss = g.crossEntropy(logits, labels, 0.1f).loss();
            if (doBackward) g.backward();
            return loss;
        };
        for (Parameter p : t.parameters()) p.zeroGrad();
        run.apply(true);
        Parameter w = t.fc.weight;
        float[] grad = CPU.download(w.grad(CPU)), val = CPU.download(w.value());
        for (int i = 0; i < val.length; i++) {
            float[] vp = val.clone(), vm = val.clone();
            vp[i] += 1e-2f;
            vm[i] -= 1e-2f;
            CPU.upload(vp, w.value());
            double lp = run.apply(false);
            CPU.upload(vm, w.value());
            double lm = run.apply(false);
            CPU.upload(val, w.value());
            assertNear("cross entropy d/dfc.weight[" + i + "]", (lp - lm) / 2e-2, grad[i], rms(grad));
        }
    }

    @Test
    void sharedWeightGradientIsTheSumOfItsUses() {
        // conv(A, x) + conv(A, x) must give A twice the gradient of one use
        Tiny t = new Tiny(CPU);
        Random r = new Random(3);
        float[] x = new float[2 * 4 * 4 * 4], seed = new float[2 * 4 * 4 * 4];
        for (int i = 0; i < x.length; i++) { x[i] = (float) r.nextGaussian(); seed[i] = (float) r.nextGaussian(); }
        Graph g = new Graph(CPU);
        t.a.weight.zeroGrad();
        Var in = g.input(x, 2, 4, 4, 4);
        g.seedGradient(g.conv(t.a, in), seed);
        g.backward();
        float[] once = CPU.download(t.a.weight.grad(CPU));
        g.reset();
        t.a.weight.zeroGrad();
        in = g.input(x, 2, 4, 4, 4);
        g.seedGradient(g.add(g.conv(t.a, in), g.conv(t.a, in)), seed);
        g.backward();
        float[] twice = CPU.download(t.a.weight.grad(CPU));
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-4 * (1 + Math.abs(once[i])), "element " + i);
    }

    @Test
    void buffersAreReusedAfterTheFirstStep() {
        Tiny t = new Tiny(CPU);
        Graph g = new Graph(CPU);
        float[] x = new float[17 * 2 * 6 * 5];
        int[] labels = new int[17];
        long[] allocated = new long[3];
        for (int step = 0; step < 3; step++) {
            Var logits = t.forward(g, g.input(x, 17, 2, 6, 5));
            g.crossEntropy(logits, labels, 0f);
            g.backward();
            g.reset();
            allocated[step] = g.pool().allocatedFloats();
        }
        assertTrue(allocated[0] > 0);
        assertEquals(allocated[0], allocated[2], "a steady training step must not allocate activation memory");
    }
}
