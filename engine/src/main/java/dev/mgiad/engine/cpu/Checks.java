package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

/**
 * Argument checks shared by the backends: each names the operator and the offending shapes, so that a wrong call
 * fails at its entry instead of deep inside a kernel.
 */
public final class Checks {
    private Checks() { }

    private static IllegalArgumentException fail(String op, String msg) {
        return new IllegalArgumentException(op + ": " + msg);
    }

    public static void activation(String op, String role, Tensor t, int block) {
        if (t.layout() != Layout.BATCH_BLOCKED) throw fail(op, role + " " + t.shape() + " must be an activation (batch-blocked)");
        if (t.block() != block) throw fail(op, role + " has batch block " + t.block() + ", this backend uses " + block);
    }

    public static void sameShape(String op, Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape()) || a.layout() != b.layout()) {
            throw fail(op, "shapes differ: " + a.shape() + " " + a.layout() + " vs " + b.shape() + " " + b.layout());
        }
    }

    public static void conv(String op, ConvParams p, Tensor x, Tensor w, Tensor y, int block) {
        activation(op, "input", x, block);
        activation(op, "output", y, block);
        Shape xs = Shape.of(p.n(), p.cin(), p.h(), p.w());
        Shape ys = Shape.of(p.n(), p.cout(), p.oh(), p.ow());
        Shape ws = Shape.of(p.cout(), p.cinPerGroup(), p.k(), p.k());
        if (!x.shape().equals(xs)) throw fail(op, "input is " + x.shape() + ", expected " + xs + " for " + p.descriptor());
        if (!y.shape().equals(ys)) throw fail(op, "output is " + y.shape() + ", expected " + ys + " for " + p.descriptor());
        if (w.layout() != Layout.PLAIN || w.shape().elements() != ws.elements() || w.shape().rank() != 4
                || !w.shape().equals(ws)) {
            throw fail(op, "weight is " + w.shape() + ", expected " + ws + " for " + p.descriptor());
        }
    }

    public static void channelVector(String op, Tensor v, int channels) {
        if (v.layout() != Layout.PLAIN || v.shape().elements() != channels) {
            throw fail(op, "expected a vector of " + channels + " channels, got " + v.shape());
        }
    }

    public static void batchNorm(String op, Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor residual) {
        activation(op, "input", x, x.block());
        sameShape(op, x, y);
        if (residual != null) sameShape(op + " (residual)", x, residual);
        channelVector(op + " gamma", gamma, x.c());
        channelVector(op + " beta", beta, x.c());
    }

    public static void pooled(String op, Tensor x, Tensor y) {
        Shape expect = Shape.of(x.n(), x.c(), 1, 1);
        if (!y.shape().equals(expect)) throw fail(op, "pooled tensor is " + y.shape() + ", expected " + expect + " for input " + x.shape());
    }

    public static void shortcut(String op, Tensor x, int stride, Tensor y) {
        int oh = (x.h() - 1) / stride + 1, ow = (x.w() - 1) / stride + 1;
        if (y.n() != x.n() || y.h() != oh || y.w() != ow || y.c() < x.c() || (y.c() - x.c()) % 2 != 0) {
            throw fail(op, "cannot map " + x.shape() + " with stride " + stride + " to " + y.shape());
        }
    }
}
