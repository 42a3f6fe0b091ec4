package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import dev.mgiad.model.ModelConfig.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny configurations of every family, and a harness that runs them on host data. */
final class TestNets {
    private TestNets() { }

    /** Tiny MGiaD of the gradient check: widths 8,16 (hierarchies [8,4] and [16,8,4]), c_K 4, g_s 2. */
    static ModelConfig tinyMgiad(int in, int classes) {
        return ModelConfig.defaults(Kind.MGIAD).withWidths(8, 16).withCk(4).withGs(2).withInput(in, classes);
    }

    static ModelConfig tinyMgnet(int in, int classes) {
        return ModelConfig.defaults(Kind.MGNET).withWidths(4, 8).withNu(2).withInput(in, classes);
    }

    /** One tiny configuration per family and variant, all runnable on 8x8 inputs. */
    static List<ModelConfig> allTiny() {
        List<ModelConfig> out = new ArrayList<>();
        out.add(ModelConfig.defaults(Kind.RESNET18).withWidths(4, 8).withBlocks(2).withInput(3, 5));
        out.add(ModelConfig.defaults(Kind.RESNET20).withWidths(4, 8, 16).withBlocks(2).withInput(1, 10));
        out.add(tinyMgnet(3, 5));
        out.add(tinyMgnet(1, 7).withShare(ModelConfig.Share.A).withGs(2).withNu(3));
        out.add(tinyMgnet(3, 5).withShare(ModelConfig.Share.NONE).withWidths(4, 8, 8));
        out.add(ModelConfig.defaults(Kind.MGIC).withWidths(8, 16).withGs(4).withCk(4).withBlocks(2).withInput(3, 5));
        out.add(tinyMgiad(1, 10));
        out.add(tinyMgiad(3, 100).withCorrection(ModelConfig.Correction.DIFFERENCE).withPost(2));
        out.add(tinyMgiad(3, 5).withLambda(2).withPre(1).withPost(0));
        return out;
    }

    static float[] random(SplittableRandom rng, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        return a;
    }

    /** An input tensor owned by the caller (so that the graph can report its gradient). */
    static Tensor inputTensor(Backend be, float[] nchw, int n, int c, int h, int w) {
        Tensor t = be.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED);
        be.upload(nchw, t);
        return t;
    }

    /** A fresh forward pass on {@code g} (reset first); returns the logits. */
    static Var forward(Model m, Graph g, Tensor x, boolean inputGrad) {
        g.reset();
        return m.forward(g, g.wrap(x, inputGrad));
    }

    static boolean finite(float[] a) {
        for (float v : a) if (!Float.isFinite(v)) return false;
        return true;
    }

    static float[] download(Backend be, Parameter p) { return be.download(p.value()); }
}
