package dev.mgiad.engine.bench;

import dev.mgiad.engine.backend.ConvParams;

import java.util.Random;

/**
 * Checks a benchmark's results before it is timed: sampled elements of the forward output, the input gradient and
 * the weight gradient are recomputed in double precision straight from the definition and compared with what the
 * backend produced on the full benchmark problem (same batch, same kernels, same batch-chunking as the timed runs).
 * A full reference run of a batch-128 problem would take minutes; the samples take milliseconds and still catch a
 * wrong kernel, whose errors are of the order of the values themselves.
 */
public final class ConvSpotCheck {
    private ConvSpotCheck() { }

    private static final int SAMPLES = 64;

    /**
     * Tensors in plain NCHW / OIHW order as {@code Backend.download} returns them. {@code y = conv(x, w)},
     * {@code dx = conv^T(dy, w)}, {@code dw = sum dy * x} with {@code dy} the gradient fed to both backward calls.
     * Throws {@link IllegalStateException} naming the first wrong element.
     */
    public static void check(String what, ConvParams p, float[] x, float[] w, float[] y, float[] dy, float[] dx, float[] dw) {
        Random r = new Random(7);
        int ig = p.cinPerGroup(), og = p.coutPerGroup(), k = p.k(), s = p.stride(), pad = p.pad();
        int h = p.h(), wd = p.w(), oh = p.oh(), ow = p.ow();
        for (int t = 0; t < SAMPLES; t++) {
            int n = r.nextInt(p.n()), o = r.nextInt(p.cout()), oy = r.nextInt(oh), ox = r.nextInt(ow), g = o / og;
            double sum = 0, abs = 0;
            for (int i = 0; i < ig; i++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
                int iy = oy * s + ky - pad, ix = ox * s + kx - pad;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                double v = (double) w[((o * ig + i) * k + ky) * k + kx] * x[((n * p.cin() + g * ig + i) * h + iy) * wd + ix];
                sum += v; abs += Math.abs(v);
            }
            compare(what, "forward", sum, abs, y[((n * p.cout() + o) * oh + oy) * ow + ox]);
        }
        for (int t = 0; t < SAMPLES; t++) {
            int n = r.nextInt(p.n()), c = r.nextInt(p.cin()), iy = r.nextInt(h), ix = r.nextInt(wd), g = c / ig;
            double sum = 0, abs = 0;
            for (int o = g * og; o < (g + 1) * og; o++) for (int ky = 0; ky < k; ky++) for (int kx = 0; kx < k; kx++) {
                int ty = iy + pad - ky, tx = ix + pad - kx;
                if (ty < 0 || tx < 0 || ty % s != 0 || tx % s != 0 || ty / s >= oh || tx / s >= ow) continue;
                double v = (double) w[((o * ig + c % ig) * k + ky) * k + kx] * dy[((n * p.cout() + o) * oh + ty / s) * ow + tx / s];
                sum += v; abs += Math.abs(v);
            }
            compare(what, "input gradient", sum, abs, dx[((n * p.cin() + c) * h + iy) * wd + ix]);
        }
        for (int t = 0; t < SAMPLES / 4; t++) {
            int o = r.nextInt(p.cout()), i = r.nextInt(ig), ky = r.nextInt(k), kx = r.nextInt(k), g = o / og;
            double sum = 0, abs = 0;
            for (int n = 0; n < p.n(); n++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                int iy = oy * s + ky - pad, ix = ox * s + kx - pad;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                double v = (double) dy[((n * p.cout() + o) * oh + oy) * ow + ox] * x[((n * p.cin() + g * ig + i) * h + iy) * wd + ix];
                sum += v; abs += Math.abs(v);
            }
            compare(what, "weight gradient", sum, abs, dw[((o * ig + i) * k + ky) * k + kx]);
        }
    }

    /** Float sums of n terms err by about sqrt(n) * 2^-24 of the sum of magnitudes; 1e-4 of it is a wide margin. */
    private static void compare(String what, String direction, double exact, double abs, float got) {
        double tol = 1e-4 * abs + 1e-6;
        if (!(Math.abs(got - exact) <= tol)) {
            throw new IllegalStateException(what + ": " + direction + " is wrong: " + got + " instead of " + exact
                    + " (tolerance " + tol + ")");
        }
    }
}
