package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.tensor.Shape;

/** {@link Ops} on an autograd {@link Graph}: every call runs on the graph's backend and is recorded for backward. */
public record GraphOps(Graph graph) implements Ops<Var> {

    @Override public Shape shape(Var x) { return x.shape(); }

    @Override
    public Var zerosLike(Var x) {
        Shape s = x.shape();
        return graph.zeros(s.n(), s.c(), s.h(), s.w());
    }

    @Override public Var convInto(Conv2d conv, Var x, Var base, float alpha) { return graph.convInto(conv, x, base, alpha); }

    @Override
    public Var convBatchNorm(Conv2d conv, Var x, Var base, float alpha, BatchNorm2d bn, boolean relu, Var residual) {
        return graph.convBatchNorm(conv, x, base, alpha, bn, relu, residual);
    }

    @Override public Var batchNorm(BatchNorm2d bn, Var x, boolean relu, Var residual) { return graph.batchNorm(bn, x, relu, residual); }

    @Override public Var axpby(float a, Var x, float b, Var y, boolean relu) { return graph.axpby(a, x, b, y, relu); }

    @Override public Var globalAvgPool(Var x) { return graph.globalAvgPool(x); }

    @Override public Var linear(Linear fc, Var x) { return graph.linear(fc, x); }

    @Override public Var shortcutA(Var x, int stride, int cout) { return graph.shortcutA(x, stride, cout); }
}
