package dev.mgiad.export;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link Ops} that records ONNX nodes: a model's forward algorithm, run once on symbolic values, becomes an ONNX
 * graph in evaluation mode (batch norm with running statistics), so the exported graph is the code that trains and
 * evaluates, not a second description of each architecture. Weights become initializers under their parameter
 * names ({@code levels.2.channel.1.A.weight}, as the checkpoint and PyTorch's state dict).
 *
 * <p>Mapping: a convolution is {@code Conv} (group, kernel_shape, pads, strides); {@code base + alpha*conv(x)} adds
 * {@code Add}/{@code Sub} (or {@code Mul} for other alphas); batch norm is {@code BatchNormalization} (eps 1e-5),
 * then {@code Relu}, then {@code Add} of the residual; pooling {@code GlobalAveragePool}; the classifier
 * {@code Flatten} + {@code Gemm} (transB); ResNet20's option-A shortcut {@code Slice} (steps) + {@code Pad}.
 *
 * <p>MgNet's and MGiaD's initial feature u = 0 is kept symbolic: {@code f - A(0)} is f and {@code 0 + ReLU(BN(..))}
 * is the ReLU, which is exact (A has no bias) and leaves no all-zero tensors in the graph; should a zero ever reach
 * an operator that needs a real tensor, it becomes {@code ConstantOfShape(Shape(x))}.
 */
final class OnnxOps implements Ops<OnnxOps.Value> {

    /**
     * A value of the graph: its name and traced shape, or a symbolic zero shaped like {@code zeroOf} (no name).
     * Shapes are traced on one image of the trace size; the graph itself keeps batch, height and width symbolic.
     */
    record Value(String name, Shape shape, Value zeroOf) {
        boolean zero() { return zeroOf != null; }
    }

    private final OnnxGraph graph;
    private final Backend backend;
    private final Map<Object, String> names = new IdentityHashMap<>();
    private int next;

    OnnxOps(OnnxGraph graph, Module root) {
        this.graph = graph;
        this.backend = root.backend();
        root.namedParameters().forEach((n, p) -> names.put(p, n));
        root.namedBuffers().forEach((n, b) -> names.put(b, n));
    }

    /** The graph input. */
    Value input(String name, Shape traced) { return new Value(name, traced, null); }

    private String fresh() { return "t" + next++; }

    private Value emit(String op, Shape shape, List<String> inputs, OnnxGraph.Attribute... attributes) {
        Value v = new Value(fresh(), shape, null);
        graph.node(op, inputs, v.name, attributes);
        return v;
    }

    /** The initializer of a parameter or buffer, under its model name. */
    private String tensor(Object owner, Tensor value) {
        String name = names.get(owner);
        if (name == null) throw new IllegalStateException("a module outside the exported model was called");
        if (!graph.hasInitializer(name)) graph.floats(name, dims(value.shape()), backend.download(value));
        return name;
    }

    private String scalar(float v) {
        String name = "const." + String.format(Locale.ROOT, "%s", v);
        graph.floats(name, new long[0], new float[]{v});
        return name;
    }

    private String longs(String name, long... v) {
        graph.longs(name, new long[]{v.length}, v);
        return name;
    }

    private static long[] dims(Shape s) {
        long[] d = new long[s.rank()];
        for (int i = 0; i < d.length; i++) d[i] = s.dim(i);
        return d;
    }

    /** A real tensor for a value: a symbolic zero becomes {@code ConstantOfShape(Shape(like))}. */
    private Value real(Value v) {
        if (!v.zero()) return v;
        Value shape = emit("Shape", v.shape, List.of(real(v.zeroOf).name));
        return emit("ConstantOfShape", v.shape, List.of(shape.name));
    }

    private static Value zeroLike(Value x) { return new Value(null, x.shape, x.zero() ? x.zeroOf : x); }

    @Override public Shape shape(Value x) { return x.shape; }

    @Override public Value zerosLike(Value x) { return zeroLike(x); }

    @Override
    public Value convInto(Conv2d conv, Value x, Value base, float alpha) {
        if (x.zero() && base != null) return base; // conv(0) = 0: no bias
        Value in = real(x);
        Shape s = in.shape;
        ConvParams p = conv.params(s.n(), s.h(), s.w());
        long pad = (conv.k - 1) / 2;
        Value y = emit("Conv", Shape.of(s.n(), conv.out, p.oh(), p.ow()), List.of(in.name, tensor(conv.weight, conv.weight.value())),
                OnnxGraph.Attribute.of("group", (long) conv.groups),
                OnnxGraph.Attribute.of("kernel_shape", conv.k, conv.k),
                OnnxGraph.Attribute.of("pads", pad, pad, pad, pad),
                OnnxGraph.Attribute.of("strides", conv.stride, conv.stride),
                OnnxGraph.Attribute.of("dilations", 1L, 1L));
        if (base == null || base.zero()) return alpha == 1f ? y : emit("Mul", y.shape, List.of(y.name, scalar(alpha)));
        if (alpha == 1f) return emit("Add", y.shape, List.of(base.name, y.name));
        if (alpha == -1f) return emit("Sub", y.shape, List.of(base.name, y.name));
        Value scaled = emit("Mul", y.shape, List.of(y.name, scalar(alpha)));
        return emit("Add", y.shape, List.of(base.name, scaled.name));
    }

    @Override
    public Value batchNorm(BatchNorm2d bn, Value x, boolean relu, Value residual) {
        Value in = real(x);
        Value y = emit("BatchNormalization", in.shape, List.of(in.name,
                        tensor(bn.gamma, bn.gamma.value()), tensor(bn.beta, bn.beta.value()),
                        tensor(bn.runningMean, bn.runningMean.value()), tensor(bn.runningVar, bn.runningVar.value())),
                OnnxGraph.Attribute.of("epsilon", BatchNorm2d.EPS),
                OnnxGraph.Attribute.of("momentum", 1f - BatchNorm2d.MOMENTUM)); // ONNX's momentum weighs the old statistics
        if (relu) y = emit("Relu", y.shape, List.of(y.name));
        if (residual == null || residual.zero()) return y;
        return emit("Add", y.shape, List.of(residual.name, y.name));
    }

    @Override
    public Value axpby(float a, Value x, float b, Value y, boolean relu) {
        boolean hasX = a != 0f && !x.zero(), hasY = y != null && b != 0f && !y.zero();
        Value r;
        if (hasX && hasY && a == 1f && (b == 1f || b == -1f)) {
            r = emit(b == 1f ? "Add" : "Sub", x.shape, List.of(x.name, y.name));
        } else if (hasX && hasY) {
            Value ax = scaled(a, x), by = scaled(b, y);
            r = emit("Add", x.shape, List.of(ax.name, by.name));
        } else if (hasX) {
            r = scaled(a, x);
        } else if (hasY) {
            r = scaled(b, y);
        } else {
            return zeroLike(x); // ReLU(0) = 0
        }
        return relu ? emit("Relu", r.shape, List.of(r.name)) : r;
    }

    private Value scaled(float a, Value v) { return a == 1f ? v : emit("Mul", v.shape, List.of(v.name, scalar(a))); }

    @Override
    public Value globalAvgPool(Value x) {
        Value in = real(x);
        return emit("GlobalAveragePool", Shape.of(in.shape.n(), in.shape.c(), 1, 1), List.of(in.name));
    }

    @Override
    public Value linear(Linear fc, Value x) {
        Value in = real(x);
        Value flat = emit("Flatten", Shape.of(in.shape.n(), fc.in, 1, 1), List.of(in.name), OnnxGraph.Attribute.of("axis", 1L));
        return emit("Gemm", Shape.of(in.shape.n(), fc.out, 1, 1),
                List.of(flat.name, tensor(fc.weight, fc.weight.value()), tensor(fc.bias, fc.bias.value())),
                OnnxGraph.Attribute.of("transB", 1L));
    }

    @Override
    public Value shortcutA(Value x, int stride, int cout) {
        Value in = real(x);
        Shape s = in.shape;
        long side = (cout - s.c()) / 2;
        Value sub = emit("Slice", Shape.of(s.n(), s.c(), (s.h() - 1) / stride + 1, (s.w() - 1) / stride + 1), List.of(in.name,
                longs("const.slice.starts", 0, 0), longs("const.slice.ends", Long.MAX_VALUE, Long.MAX_VALUE),
                longs("const.slice.axes", 2, 3), longs("const.slice.steps." + stride, stride, stride)));
        return emit("Pad", Shape.of(s.n(), cout, sub.shape.h(), sub.shape.w()),
                List.of(sub.name, longs("const.pad.channels." + side, 0, side, 0, 0, 0, side, 0, 0)));
    }

    /** Names of the parameters the graph uses, for checks: the unused level-1 pair must not appear. */
    List<String> usedParameters(Module root) {
        List<String> used = new ArrayList<>();
        for (var e : root.namedParameters().entrySet()) if (graph.hasInitializer(e.getKey())) used.add(e.getKey());
        return used;
    }
}
