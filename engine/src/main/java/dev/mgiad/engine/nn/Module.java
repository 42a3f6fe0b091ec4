package dev.mgiad.engine.nn;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.tensor.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A node of a model's tree of parameters. Children and tensors are registered under local names; the full names
 * ({@code levels.2.channel.1.A.weight}) are the dotted paths from the root, stable across runs, as in PyTorch's
 * {@code state_dict}. Weight counts, checkpoints and {@code mgiad params --tensors} all use them.
 */
public abstract class Module {
    protected final Backend backend;
    private final Map<String, Object> entries = new LinkedHashMap<>(); // Parameter, StateBuffer or Module

    protected Module(Backend backend) { this.backend = backend; }

    public Backend backend() { return backend; }

    protected <M extends Module> M child(String name, M module) {
        put(name, module);
        return module;
    }

    protected Parameter param(String name, Parameter p) {
        put(name, p);
        return p;
    }

    protected StateBuffer buffer(String name, Shape shape, float fill) {
        StateBuffer b = new StateBuffer(backend, shape, fill);
        put(name, b);
        return b;
    }

    private void put(String name, Object o) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("bad local name '" + name + "'");
        if (entries.putIfAbsent(name, o) != null) {
            throw new IllegalStateException(getClass().getSimpleName() + " already has an entry '" + name + "'");
        }
    }

    /** Every parameter with its full name, in registration order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        walk("", out, null);
        return out;
    }

    /** Every state buffer with its full name, in registration order. */
    public Map<String, StateBuffer> namedBuffers() {
        Map<String, StateBuffer> out = new LinkedHashMap<>();
        walk("", null, out);
        return out;
    }

    private void walk(String prefix, Map<String, Parameter> params, Map<String, StateBuffer> buffers) {
        for (var e : entries.entrySet()) {
            String full = prefix + e.getKey();
            Object o = e.getValue();
            if (o instanceof Parameter p && params != null) params.put(full, p);
            else if (o instanceof StateBuffer b && buffers != null) buffers.put(full, b);
            else if (o instanceof Module m) m.walk(full + ".", params, buffers);
        }
    }

    public List<Parameter> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Number of learnable weights: the sum of the parameters' element counts, unused ones included (as the paper). */
    public long weightCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.elements();
        return n;
    }

    // ------------------------------------------------------------------ initialisation helpers

    /** PyTorch's default for conv and linear weights: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    protected static float[] uniformFanIn(SplittableRandom rng, Shape shape, int fanIn) {
        float[] a = new float[(int) shape.elements()];
        double bound = 1.0 / Math.sqrt(fanIn);
        for (int i = 0; i < a.length; i++) a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        return a;
    }

    protected static float[] constant(Shape shape, float v) {
        float[] a = new float[(int) shape.elements()];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
