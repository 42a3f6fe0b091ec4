package dev.mgiad.engine.backend;

import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/**
 * The argument checks of the {@link Backend} operations: one method per operation, called at the entry of every
 * backend's implementation, so that the CPU and OpenCL backends refuse exactly the same calls, each with a message
 * naming the operator and the offending shapes, instead of failing deep inside a kernel. {@code block} is the
 * calling backend's {@link Backend#batchBlock()}.
 */
public final class BackendChecks {
    private BackendChecks() { }

    private static IllegalArgumentException fail(String op, String msg) {
        return new IllegalArgumentException(op + ": " + msg);
    }

    // ---------------------------------------------------------------- building blocks

    /** {@code t} is an activation of this backend: batch-blocked with its block. */
    public static void activation(String op, String role, Tensor t, int block) {
        if (t.layout() != Layout.BATCH_BLOCKED) throw fail(op, role + " " + t.shape() + " must be an activation (batch-blocked)");
        if (t.block() != block) throw fail(op, role + " has batch block " + t.block() + ", this backend uses " + block);
    }

    public static void sameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape()) || a.layout() != b.layout()) {
            throw fail(op, "shapes differ: " + a.shape() + " " + a.layout() + " vs " + b.shape() + " " + b.layout());
        }
    }

    /** A plain vector of one value per channel. */
    public static void channelVector(String op, Tensor v, int channels) {
        if (v.layout() != Layout.PLAIN || v.shape().elements() != channels) {
            throw fail(op, "expected a vector of " + channels + " channels, got " + v.shape());
        }
    }

    private static void conv(String op, ConvParams p, Tensor x, Tensor w, Tensor y, int block) {
        activation(op, "input", x, block);
        activation(op, "output", y, block);
        Shape xs = Shape.of(p.n(), p.cin(), p.h(), p.w());
        Shape ys = Shape.of(p.n(), p.cout(), p.oh(), p.ow());
        Shape ws = Shape.of(p.cout(), p.cinPerGroup(), p.k(), p.k());
        if (!x.shape().equals(xs)) throw fail(op, "input is " + x.shape() + ", expected " + xs + " for " + p.descriptor());
        if (!y.shape().equals(ys)) throw fail(op, "output is " + y.shape() + ", expected " + ys + " for " + p.descriptor());
        if (w.layout() != Layout.PLAIN || !w.shape().equals(ws)) {
            throw fail(op, "weight is " + w.shape() + " " + w.layout() + ", expected " + ws + " PLAIN for " + p.descriptor());
        }
    }

    private static void normParams(String op, Tensor x, Tensor... vectors) {
        String[] names = {"gamma", "beta", "running_mean", "running_var", "save_mean", "save_invstd"};
        for (int i = 0; i < vectors.length; i++) channelVector(op + " " + names[i], vectors[i], x.c());
    }

    // ---------------------------------------------------------------- one per operation

    public static void copy(Tensor src, Tensor dst) { sameShape("copy", src, dst); }

    public static void upload(float[] src, Tensor dst) {
        if (src.length != dst.shape().elements()) {
            throw fail("upload", src.length + " floats for a tensor of shape " + dst.shape() + " (" + dst.shape().elements() + " elements)");
        }
    }

    public static void convForward(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, int block) {
        conv("conv2d forward", p, x, w, y, block);
        if (base != null) sameShape("conv2d forward (base)", base, y);
    }

    public static void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, int block) {
        conv("conv2d backward (input gradient)", p, dx, w, dy, block);
    }

    public static void convBackwardWeights(ConvParams p, Tensor x, Tensor dy, Tensor dw, int block) {
        conv("conv2d backward (weight gradient)", p, x, dw, dy, block);
    }

    public static void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                      Tensor saveMean, Tensor saveInvStd, Tensor residual, Tensor y, int block) {
        String op = "batch_norm (train)";
        activation(op, "input", x, block);
        sameShape(op + " (output)", x, y);
        if (residual != null) sameShape(op + " (residual)", x, residual);
        normParams(op, x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd);
    }

    public static void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                     Tensor residual, Tensor y, int block) {
        String op = "batch_norm (eval)";
        activation(op, "input", x, block);
        sameShape(op + " (output)", x, y);
        if (residual != null) sameShape(op + " (residual)", x, residual);
        normParams(op, x, gamma, beta, runningMean, runningVar);
    }

    public static void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                         Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta, int block) {
        String op = "batch_norm backward";
        activation(op, "input", x, block);
        sameShape(op + " (dy)", x, dy);
        sameShape(op + " (dx)", x, dx);
        normParams(op, x, gamma, beta);
        channelVector(op + " save_mean", saveMean, x.c());
        channelVector(op + " save_invstd", saveInvStd, x.c());
        channelVector(op + " dgamma", dgamma, x.c());
        channelVector(op + " dbeta", dbeta, x.c());
    }

    public static void batchNormBackwardSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                             Tensor dy, Tensor sums, int block) {
        String op = "batch_norm backward sums";
        activation(op, "input", x, block);
        sameShape(op + " (dy)", x, dy);
        normParams(op, x, gamma, beta);
        channelVector(op + " save_mean", saveMean, x.c());
        channelVector(op + " save_invstd", saveInvStd, x.c());
        channelVector(op + " sums (2 per channel)", sums, 2 * x.c());
    }

    public static void axpby(Tensor x, Tensor y, Tensor out) {
        sameShape("axpby", x, out);
        if (y != null) sameShape("axpby", y, out);
    }

    public static void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        sameShape("relu backward", y, dy);
        sameShape("relu backward", y, dx);
    }

    private static void pooled(String op, Tensor x, Tensor y, int block) {
        activation(op, "input", x, block);
        activation(op, "pooled", y, block);
        Shape expect = Shape.of(x.n(), x.c(), 1, 1);
        if (!y.shape().equals(expect)) throw fail(op, "pooled tensor is " + y.shape() + ", expected " + expect + " for input " + x.shape());
    }

    public static void globalAvgPool(Tensor x, Tensor y, int block) { pooled("global_avg_pool", x, y, block); }

    public static void globalAvgPoolBackward(Tensor dy, Tensor dx, int block) { pooled("global_avg_pool backward", dx, dy, block); }

    public static void addBias(Tensor y, Tensor bias, int block) {
        activation("add_bias", "output", y, block);
        channelVector("add_bias", bias, y.c());
    }

    public static void biasBackward(Tensor dy, Tensor db, int block) {
        activation("bias backward", "output gradient", dy, block);
        channelVector("bias backward", db, dy.c());
    }

    private static void shortcut(String op, Tensor x, int stride, Tensor y, int block) {
        activation(op, "input", x, block);
        activation(op, "output", y, block);
        if (stride < 1) throw fail(op, "stride must be >= 1, got " + stride);
        int oh = (x.h() - 1) / stride + 1, ow = (x.w() - 1) / stride + 1;
        if (y.n() != x.n() || y.h() != oh || y.w() != ow || y.c() < x.c() || (y.c() - x.c()) % 2 != 0) {
            throw fail(op, "cannot map " + x.shape() + " with stride " + stride + " to " + y.shape());
        }
    }

    public static void shortcutA(Tensor x, int stride, Tensor y, int block) { shortcut("shortcut_a", x, stride, y, block); }

    public static void shortcutABackward(Tensor dy, int stride, Tensor dx, int block) {
        shortcut("shortcut_a backward", dx, stride, dy, block);
    }

    public static void sgdStep(Tensor param, Tensor grad, Tensor velocity) {
        if (grad != null) sameShape("sgd_step (grad)", param, grad);
        sameShape("sgd_step (velocity)", param, velocity);
    }
}
