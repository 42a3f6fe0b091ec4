package dev.mgiad.engine.ref;

import dev.mgiad.engine.backend.ConvParams;

/**
 * Plain, obviously correct implementations of every operator on NCHW float arrays, in double precision where it
 * costs nothing. They are the yardstick of the fast kernels (CPU and OpenCL) in the tests; never used for speed.
 */
public final class Reference {
    private Reference() { }

    /** y[n,o,oy,ox] = sum over the group's input channels and taps of x * w. */
    public static float[] convForward(ConvParams p, float[] x, float[] w) {
        int oh = p.oh(), ow = p.ow(), inG = p.cinPerGroup(), outG = p.coutPerGroup(), k = p.k();
        float[] y = new float[p.n() * p.cout() * oh * ow];
        for (int n = 0; n < p.n(); n++)
            for (int o = 0; o < p.cout(); o++) {
                int g = o / outG;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double s = 0;
                        for (int i = 0; i < inG; i++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * p.stride() + ky - p.pad(), ix = ox * p.stride() + kx - p.pad();
                                    if (iy < 0 || iy >= p.h() || ix < 0 || ix >= p.w()) continue;
                                    int c = g * inG + i;
                                    s += (double) x[((n * p.cin() + c) * p.h() + iy) * p.w() + ix]
                                            * w[((o * inG + i) * k + ky) * k + kx];
                                }
                        y[((n * p.cout() + o) * oh + oy) * ow + ox] = (float) s;
                    }
            }
        return y;
    }

    /** dx = the adjoint of {@link #convForward} in x, applied to dy. */
    public static float[] convBackwardData(ConvParams p, float[] dy, float[] w) {
        int oh = p.oh(), ow = p.ow(), inG = p.cinPerGroup(), outG = p.coutPerGroup(), k = p.k();
        double[] dx = new double[p.n() * p.cin() * p.h() * p.w()];
        for (int n = 0; n < p.n(); n++)
            for (int o = 0; o < p.cout(); o++) {
                int g = o / outG;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double d = dy[((n * p.cout() + o) * oh + oy) * ow + ox];
                        for (int i = 0; i < inG; i++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * p.stride() + ky - p.pad(), ix = ox * p.stride() + kx - p.pad();
                                    if (iy < 0 || iy >= p.h() || ix < 0 || ix >= p.w()) continue;
                                    dx[((n * p.cin() + g * inG + i) * p.h() + iy) * p.w() + ix] += d * w[((o * inG + i) * k + ky) * k + kx];
                                }
                    }
            }
        return toFloat(dx);
    }

    /** dw = the adjoint of {@link #convForward} in w, applied to dy. */
    public static float[] convBackwardWeights(ConvParams p, float[] x, float[] dy) {
        int oh = p.oh(), ow = p.ow(), inG = p.cinPerGroup(), outG = p.coutPerGroup(), k = p.k();
        double[] dw = new double[p.cout() * inG * k * k];
        for (int n = 0; n < p.n(); n++)
            for (int o = 0; o < p.cout(); o++) {
                int g = o / outG;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double d = dy[((n * p.cout() + o) * oh + oy) * ow + ox];
                        for (int i = 0; i < inG; i++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * p.stride() + ky - p.pad(), ix = ox * p.stride() + kx - p.pad();
                                    if (iy < 0 || iy >= p.h() || ix < 0 || ix >= p.w()) continue;
                                    dw[((o * inG + i) * k + ky) * k + kx] += d * x[((n * p.cin() + g * inG + i) * p.h() + iy) * p.w() + ix];
                                }
                    }
            }
        return toFloat(dw);
    }

    /** Result of a training-mode batch norm: output plus the saved statistics. */
    public record BatchNormResult(float[] y, float[] mean, float[] invStd, float[] runningMean, float[] runningVar) { }

    /** y = residual + act(gamma * (x - mean) / sqrt(var + eps) + beta), batch statistics, running update. */
    public static BatchNormResult batchNormTrain(float[] x, int n, int c, int hw, float[] gamma, float[] beta,
                                                 float[] runningMean, float[] runningVar, float momentum, float eps,
                                                 boolean relu, float[] residual) {
        float[] y = new float[x.length], mean = new float[c], inv = new float[c];
        float[] rm = runningMean.clone(), rv = runningVar.clone();
        long count = (long) n * hw;
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) s += x[(i * c + ch) * hw + p];
            double m = s / count, v = 0;
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) {
                double d = x[(i * c + ch) * hw + p] - m;
                v += d * d;
            }
            v /= count;
            mean[ch] = (float) m;
            inv[ch] = (float) (1 / Math.sqrt(v + eps));
            rm[ch] = (float) ((1 - momentum) * rm[ch] + momentum * m);
            rv[ch] = (float) ((1 - momentum) * rv[ch] + momentum * (count > 1 ? v * count / (count - 1) : v));
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) {
                int idx = (i * c + ch) * hw + p;
                double z = gamma[ch] * (x[idx] - m) / Math.sqrt(v + eps) + beta[ch];
                if (relu) z = Math.max(0, z);
                if (residual != null) z += residual[idx];
                y[idx] = (float) z;
            }
        }
        return new BatchNormResult(y, mean, inv, rm, rv);
    }

    public static float[] batchNormEval(float[] x, int n, int c, int hw, float[] gamma, float[] beta,
                                        float[] runningMean, float[] runningVar, float eps, boolean relu,
                                        float[] residual) {
        float[] y = new float[x.length];
        for (int i = 0; i < n; i++) for (int ch = 0; ch < c; ch++) for (int p = 0; p < hw; p++) {
            int idx = (i * c + ch) * hw + p;
            double z = gamma[ch] * (x[idx] - runningMean[ch]) / Math.sqrt(runningVar[ch] + (double) eps) + beta[ch];
            if (relu) z = Math.max(0, z);
            if (residual != null) z += residual[idx];
            y[idx] = (float) z;
        }
        return y;
    }

    public static float[] globalAvgPool(float[] x, int n, int c, int hw) {
        float[] y = new float[n * c];
        for (int i = 0; i < n * c; i++) {
            double s = 0;
            for (int p = 0; p < hw; p++) s += x[i * hw + p];
            y[i] = (float) (s / hw);
        }
        return y;
    }

    /** ResNet option-A shortcut: subsample by stride, zero-pad channels (cout - cin)/2 on each side. */
    public static float[] shortcutA(float[] x, int n, int cin, int h, int w, int cout, int stride) {
        int oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1, pad = (cout - cin) / 2;
        float[] y = new float[n * cout * oh * ow];
        for (int i = 0; i < n; i++) for (int c = 0; c < cin; c++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++)
            y[((i * cout + c + pad) * oh + oy) * ow + ox] = x[((i * cin + c) * h + oy * stride) * w + ox * stride];
        return y;
    }

    /** Mean softmax cross-entropy with label smoothing eps: target = (1-eps)*onehot + eps/K. */
    public static double softmaxCrossEntropy(float[] logits, int n, int k, int[] labels, float smoothing) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, logits[i * k + j]);
            double z = 0;
            for (int j = 0; j < k; j++) z += Math.exp(logits[i * k + j] - max);
            double logZ = Math.log(z) + max;
            for (int j = 0; j < k; j++) {
                double t = (j == labels[i] ? 1 - smoothing : 0) + smoothing / k;
                total -= t * (logits[i * k + j] - logZ);
            }
        }
        return total / n;
    }

    /** Gradients of {@link #batchNormTrain} (without the residual, whose gradient is dy): dx, dgamma, dbeta. */
    public record BatchNormGrads(float[] dx, float[] dgamma, float[] dbeta) { }

    public static BatchNormGrads batchNormBackward(float[] x, int n, int c, int hw, float[] gamma, float[] beta,
                                                   float eps, boolean relu, float[] dy) {
        float[] dx = new float[x.length], dg = new float[c], db = new float[c];
        long count = (long) n * hw;
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) s += x[(i * c + ch) * hw + p];
            double m = s / count, v = 0;
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) {
                double d = x[(i * c + ch) * hw + p] - m;
                v += d * d;
            }
            v /= count;
            double inv = 1 / Math.sqrt(v + eps);
            double sdz = 0, sdzx = 0;
            double[] dz = new double[n * hw], xh = new double[n * hw];
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) {
                int idx = (i * c + ch) * hw + p;
                xh[i * hw + p] = (x[idx] - m) * inv;
                double z = gamma[ch] * xh[i * hw + p] + beta[ch];
                dz[i * hw + p] = relu && z <= 0 ? 0 : dy[idx];
                sdz += dz[i * hw + p];
                sdzx += dz[i * hw + p] * xh[i * hw + p];
            }
            dg[ch] = (float) sdzx;
            db[ch] = (float) sdz;
            for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) {
                int q = i * hw + p;
                dx[(i * c + ch) * hw + p] = (float) (gamma[ch] * inv * (dz[q] - sdz / count - xh[q] * sdzx / count));
            }
        }
        return new BatchNormGrads(dx, dg, db);
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
