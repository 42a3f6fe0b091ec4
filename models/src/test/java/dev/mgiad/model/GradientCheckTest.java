package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Central finite differences in float32 against backward, on tiny MGiaD and MgNet^{A,B} with BN in training mode
 * (batch 4, 8x8): the shared A and B, whose gradient must be the sum over all their uses (smoothing steps, FAS
 * evaluations, residuals), the transfers, BN parameters and the input. Loss {@code L = sum_i w_i z_i} over the
 * logits z with fixed random w.
 *
 * <p>Conditioning. These nets are piecewise smooth with ReLU kinks every ~1e-4 along some coordinates (the
 * residuals ReLU(f - A u) have no BN and shrink under smoothing, so they sit near the kink), and float32 rounding
 * puts noise of about 1e-7 sum|w_i z_i| on every loss evaluation. So: BN shifts beta are drawn in [1, 1.5] and
 * scales gamma in [0.5, 1.5], which keeps the BN-ReLUs away from their kinks; the step is h = 1e-3; a coordinate is
 * used only if the loss is straight on [-2h, 2h] (the four segment slopes agree within 2% plus their rounding
 * noise; a kink inside would show as a slope jump, and the central quotient's error is half that jump), otherwise
 * it is skipped and another drawn; only coordinates whose analytic gradient is at least a fifth of the tensor's
 * largest are drawn. Each checked coordinate must then agree to 2% relative plus three standard deviations of the
 * quotient's rounding noise. Median errors are 1e-4..1e-2; {@link #aFivePercentErrorIsDetected} shows that a 5%
 * gradient error fails, and a shared weight missing one of its 3-6 uses is off by 15% or more.
 */
class GradientCheckTest {
    private static final int N = 4, H = 8, COORDS = 20, MIN_CHECKED = 5;
    private static final double STEP = 1e-3, REL_TOL = 2e-2, STRAIGHT = 2e-2, SELECT = 0.2, NOISE = 1e-7;
    private static CpuBackend be;

    @BeforeAll static void up() { be = new CpuBackend(1); }

    @AfterAll static void down() { be.close(); }

    @Test
    void tinyMgiad() {
        check(TestNets.tinyMgiad(1, 10), List.of(
                "levels.1.channel.1.A.weight",      // grouped: 3 smoothing steps + in-channel residual + residual for R_2
                "levels.1.channel.1.B.weight",      // 3 steps
                "levels.1.channel.2.A.weight",      // dense coarsest: in-channel FAS + 3 steps
                "levels.2.channel.1.A.weight",      // resolution FAS + 3 steps + in-channel residual
                "levels.2.channel.3.B.weight",
                "levels.2.channel.1.P_hat.weight",
                "levels.2.channel.2.Pi_hat.weight",
                "levels.2.channel.2.R_hat.weight",
                "levels.2.R.weight",
                "levels.2.Pi.weight",
                "levels.1.channel.2.bn_u.1.weight",
                "levels.2.channel.1.bn_r.2.bias",
                "stem.conv.weight",
                "fc.weight"));
    }

    @Test
    void tinyMgiadDifferenceCorrection() {
        check(TestNets.tinyMgiad(1, 10).withCorrection(ModelConfig.Correction.DIFFERENCE), List.of(
                "levels.2.channel.1.P_hat.weight", "levels.2.channel.2.R_hat.weight", "levels.1.channel.1.A.weight"));
    }

    @Test
    void tinyMgnetAB() {
        check(TestNets.tinyMgnet(3, 10), List.of(
                "levels.1.A.weight",   // nu steps + residual for R_2
                "levels.1.B.weight",
                "levels.2.A.weight",   // FAS + nu steps
                "levels.2.B.weight",
                "levels.2.Pi.weight", "levels.2.R.weight", "levels.2.bn_r.1.bias", "levels.1.bn_u.0.weight",
                "stem.conv.weight"));
    }

    /**
     * With the difference correction {@code u + P(SiC(f_c, u_c) - u_c)} and {@code f_c = R(r) + A u_c}, every smoothing
     * step only sees {@code f_c - A u} = {@code R(r) - A(u - u_c)}: with a linear A the correction does not depend on
     * the initial guess u_c = Pi_hat u at all. So Pi_hat is inert in this variant (its weights still count); this
     * pins that property down, since a gradient there would mean the FAS algebra is not what the spec says.
     */
    @Test
    void differenceCorrectionLeavesPiHatInert() {
        Model m = Models.build(TestNets.tinyMgiad(1, 10).withCorrection(ModelConfig.Correction.DIFFERENCE), be, 17);
        Map<String, Parameter> params = m.root().namedParameters();
        analytic(m, new SplittableRandom(23));
        double piHat = maxAbs(be.download(params.get("levels.2.channel.2.Pi_hat.weight").gradOrNull()));
        double pHat = maxAbs(be.download(params.get("levels.2.channel.2.P_hat.weight").gradOrNull()));
        assertTrue(piHat < 1e-4 * pHat, "Pi_hat gradient " + piHat + " vs P_hat " + pHat);
    }

    private record Setup(Tensor x, float[] xHost, float[] w, Var input) { }

    /** Conditions the BN parameters, runs forward and backward once; parameter gradients are then valid. */
    private static Setup analytic(Model m, SplittableRandom rng) {
        ModelConfig config = m.config();
        for (Map.Entry<String, Parameter> e : m.root().namedParameters().entrySet()) {
            int n = (int) e.getValue().elements();
            if (e.getValue().kind() == Parameter.Kind.NORM_SHIFT) be.upload(uniform(rng, n, 1.0, 1.5), e.getValue().value());
            if (e.getValue().kind() == Parameter.Kind.NORM_SCALE) be.upload(uniform(rng, n, 0.5, 1.5), e.getValue().value());
            e.getValue().zeroGrad();
        }
        int in = config.inChannels();
        float[] xHost = TestNets.random(rng, N * in * H * H, 1.0);
        Tensor x = TestNets.inputTensor(be, xHost, N, in, H, H);
        float[] w = TestNets.random(rng, N * config.classes(), 1.0);
        Graph g = new Graph(be);
        Var xv = g.wrap(x, true);
        Var z = m.forward(g, xv);
        g.seedGradient(z, w);
        g.backward();
        return new Setup(x, xHost, w, xv);
    }

    private static void check(ModelConfig config, List<String> names) {
        List<String> failures = run(config, names, 1.0);
        assertTrue(failures.isEmpty(), config.describe() + ":\n" + String.join("\n", failures));
    }

    /**
     * The check can fail: the same comparison with the analytic gradients scaled by 1.05 (a 5% error, a third of
     * what a shared weight missing one of its uses would show) flags most coordinates.
     */
    @Test
    void aFivePercentErrorIsDetected() {
        List<String> failures = run(TestNets.tinyMgiad(1, 10), List.of("levels.1.channel.1.A.weight", "levels.2.channel.1.A.weight"), 1.05);
        long flagged = failures.stream().filter(f -> f.contains(": analytic")).count();
        assertTrue(flagged >= 20, "only " + flagged + " of ~60 coordinates flagged:\n" + String.join("\n", failures));
    }

    /** Runs the comparison with the analytic gradients multiplied by {@code gradScale}; returns the failures. */
    private static List<String> run(ModelConfig config, List<String> names, double gradScale) {
        Model m = Models.build(config, be, 17);
        SplittableRandom rng = new SplittableRandom(23);
        Setup s = analytic(m, rng);
        float[] dx = scaled(be.download(s.input().grad()), gradScale);
        Map<String, Parameter> params = m.root().namedParameters();
        Graph g = new Graph(be);
        List<String> failures = new ArrayList<>();
        double noise = lossNoise(m, g, s.x(), s.w());
        StringBuilder report = new StringBuilder(config.describe()).append(String.format(", loss noise %.1e%n", noise));
        for (String name : names) {
            Parameter p = params.get(name);
            assertTrue(p != null && p.gradValid(), name + " has no gradient");
            float[] value = be.download(p.value());
            compare(name, scaled(be.download(p.gradOrNull()), gradScale), value, noise, rng, failures, report, v -> {
                be.upload(v, p.value());
                return loss(m, g, s.x(), s.w());
            });
            be.upload(value, p.value());
        }
        compare("input", dx, s.xHost(), noise, rng, failures, report, v -> {
            be.upload(v, s.x());
            return loss(m, g, s.x(), s.w());
        });
        be.upload(s.xHost(), s.x());
        if (!failures.isEmpty()) failures.add(0, report.toString());   // the per-tensor summary, for the failure message
        return failures;
    }

    private static float[] scaled(float[] a, double f) {
        for (int i = 0; i < a.length; i++) a[i] = (float) (a[i] * f);
        return a;
    }

    private static double loss(Model m, Graph g, Tensor x, float[] w) {
        g.reset();
        float[] z = be.download(m.forward(g, g.wrap(x, false)).value());
        g.reset();
        double l = 0;
        for (int i = 0; i < z.length; i++) l += (double) w[i] * z[i];
        return l;
    }

    /** Rounding noise of one loss evaluation: about one float32 epsilon of sum |w_i z_i| (measured: 0.7-1 of it). */
    private static double lossNoise(Model m, Graph g, Tensor x, float[] w) {
        g.reset();
        float[] z = be.download(m.forward(g, g.wrap(x, false)).value());
        g.reset();
        double s = 0;
        for (int i = 0; i < z.length; i++) s += Math.abs((double) w[i] * z[i]);
        return NOISE * s;
    }

    private static void compare(String name, float[] grad, float[] value, double noise, SplittableRandom rng, List<String> failures,
                                StringBuilder report, ToDoubleFunction<float[]> lossAt) {
        double max = maxAbs(grad);
        assertTrue(max > 0, name + ": gradient is zero");
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < grad.length; i++) if (Math.abs(grad[i]) >= SELECT * max) candidates.add(i);
        int wanted = Math.min(COORDS, candidates.size()), checked = 0, kinked = 0;
        List<Double> rels = new ArrayList<>();
        double l0 = lossAt.applyAsDouble(value);
        while (checked < wanted && !candidates.isEmpty()) {
            int i = candidates.remove(rng.nextInt(candidates.size()));
            double[] x = new double[5], l = new double[5];
            float[] v = value.clone();
            for (int k = -2; k <= 2; k++) {
                v[i] = (float) (value[i] + k * STEP);
                x[k + 2] = (double) v[i] - value[i];   // the step as float32 represents it
                l[k + 2] = k == 0 ? l0 : lossAt.applyAsDouble(v);
            }
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY, big = 0;
            for (int k = 0; k < 4; k++) {
                double slope = (l[k + 1] - l[k]) / (x[k + 1] - x[k]);
                lo = Math.min(lo, slope);
                hi = Math.max(hi, slope);
                big = Math.max(big, Math.abs(slope));
            }
            double slopeNoise = 2 * noise / STEP;   // of a segment slope, two evaluations over one step
            if (hi - lo > STRAIGHT * big + 4 * slopeNoise) {
                kinked++;   // a ReLU kink within [-2h, 2h]: the difference quotient says nothing about the derivative at 0
                continue;
            }
            checked++;
            double num = (l[3] - l[1]) / (x[3] - x[1]);
            double scale = Math.max(Math.abs(num), Math.abs(grad[i]));
            double rel = Math.abs(num - grad[i]) / scale;
            rels.add(rel);
            // 2% relative, plus three standard deviations of the quotient's rounding noise
            if (!(Math.abs(num - grad[i]) < REL_TOL * scale + 3 * noise / (Math.sqrt(2) * STEP))) failures.add(String.format("%s[%d]: analytic %.6g, numeric %.6g, rel %.3g", name, i, grad[i], num, rel));
        }
        if (checked < Math.min(wanted, MIN_CHECKED)) failures.add(name + ": only " + checked + " straight coordinates, " + kinked + " kinked");
        Collections.sort(rels);
        report.append(String.format("  %-34s rel error median %.1e max %.1e over %d coordinates (%d kinked skipped)%n", name,
                rels.isEmpty() ? 0 : rels.get(rels.size() / 2), rels.isEmpty() ? 0 : rels.get(rels.size() - 1), checked, kinked));
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static float[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }
}
