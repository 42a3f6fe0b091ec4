package dev.mgiad.model;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Ops;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Shape;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Ops} on shapes only: runs a model's forward algorithm without data, checks every shape on the way and
 * counts the multiply-adds of each convolution and linear call on its actual input size (the spec's MACs: BN, ReLU,
 * additions and pooling are free). A weight used at several call sites is counted at each; the dead level-1 pair,
 * never called, costs nothing.
 */
public final class MacCounter implements Ops<Shape> {
    private final Map<Parameter, String> names = new IdentityHashMap<>();
    private final Map<String, Long> byModule = new LinkedHashMap<>();
    private final Map<String, Integer> calls = new LinkedHashMap<>();
    private long total;

    /** @param root the model whose parameter names label the calls */
    public MacCounter(Module root) {
        root.namedParameters().forEach((name, p) -> names.put(p, name));
    }

    /** Counts one forward pass of {@code model} on a single {@code h x w} image. */
    public static MacCounter run(Model model, int h, int w) {
        MacCounter c = new MacCounter(model.root());
        Shape logits = model.forward(c, Shape.of(1, model.config().inChannels(), h, w));
        if (logits.c() != model.config().classes() || logits.h() != 1 || logits.w() != 1) {
            throw new IllegalStateException("forward returned " + logits + ", expected [1, " + model.config().classes() + ", 1, 1]");
        }
        return c;
    }

    /** Multiply-adds of everything counted so far. */
    public long total() { return total; }

    /** Multiply-adds per module (the parameter name without {@code .weight}), in order of first call. */
    public Map<String, Long> byModule() { return Map.copyOf(byModule); }

    /** How many times each module was called. */
    public Map<String, Integer> calls() { return Map.copyOf(calls); }

    /** Multiply-adds of the modules whose name is {@code prefix} or starts with {@code prefix + "."}. */
    public long macs(String prefix) {
        long s = 0;
        for (var e : byModule.entrySet()) {
            if (e.getKey().equals(prefix) || e.getKey().startsWith(prefix + ".")) s += e.getValue();
        }
        return s;
    }

    private void count(Parameter weight, long macs) {
        String n = names.get(weight);
        if (n == null) throw new IllegalStateException("a module outside the model was called");
        if (weight.unused()) throw new IllegalStateException(n + " is flagged unused but was applied");
        String module = n.endsWith(".weight") ? n.substring(0, n.length() - ".weight".length()) : n;
        byModule.merge(module, macs, Long::sum);
        calls.merge(module, 1, Integer::sum);
        total += macs;
    }

    private static void same(String what, Shape a, Shape b) {
        if (!a.equals(b)) throw new IllegalStateException(what + ": shapes " + a + " and " + b + " differ");
    }

    @Override public Shape shape(Shape x) { return x; }

    @Override public Shape zerosLike(Shape x) { return x; }

    @Override
    public Shape convInto(Conv2d conv, Shape x, Shape base, float alpha) {
        if (x.c() != conv.in) {
            throw new IllegalStateException("conv " + names.get(conv.weight) + " expects " + conv.in + " channels, got " + x);
        }
        ConvParams p = conv.params(x.n(), x.h(), x.w());
        Shape y = Shape.of(x.n(), conv.out, p.oh(), p.ow());
        if (base != null) same("conv " + names.get(conv.weight) + " base", y, base);
        count(conv.weight, p.macs());
        return y;
    }

    @Override
    public Shape batchNorm(BatchNorm2d bn, Shape x, boolean relu, Shape residual) {
        if (x.c() != bn.channels) throw new IllegalStateException("batch norm of " + bn.channels + " channels applied to " + x);
        if (residual != null) same("batch norm residual", x, residual);
        return x;
    }

    @Override
    public Shape axpby(float a, Shape x, float b, Shape y, boolean relu) {
        if (y != null) same("axpby", x, y);
        return x;
    }

    @Override public Shape globalAvgPool(Shape x) { return Shape.of(x.n(), x.c(), 1, 1); }

    @Override
    public Shape linear(Linear fc, Shape x) {
        if (x.c() * x.h() * x.w() != fc.in) throw new IllegalStateException("linear " + fc.in + " -> " + fc.out + " applied to " + x);
        count(fc.weight, (long) x.n() * fc.in * fc.out);
        return Shape.of(x.n(), fc.out, 1, 1);
    }

    @Override
    public Shape shortcutA(Shape x, int stride, int cout) {
        if (cout < x.c() || (cout - x.c()) % 2 != 0) throw new IllegalStateException("option-A shortcut " + x + " -> " + cout);
        return Shape.of(x.n(), cout, (x.h() - 1) / stride + 1, (x.w() - 1) / stride + 1);
    }
}
