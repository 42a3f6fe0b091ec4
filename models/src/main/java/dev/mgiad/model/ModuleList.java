package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.nn.Module;

import java.util.ArrayList;
import java.util.List;

/**
 * Numbered children, as PyTorch's {@code ModuleList}: the i-th module added is named {@code first + i}. Resolution and
 * channel levels count from 1, as the paper's l and kappa; smoothing steps and blocks count from 0.
 */
public final class ModuleList<M extends Module> extends Module {
    private final int first;
    private final List<M> items = new ArrayList<>();

    public ModuleList(Backend backend, int first) {
        super(backend);
        this.first = first;
    }

    public M add(M m) {
        child(String.valueOf(first + items.size()), m);
        items.add(m);
        return m;
    }

    /** The module named {@code index} (so {@code get(first)} is the first one). */
    public M get(int index) { return items.get(index - first); }

    public int size() { return items.size(); }

    public List<M> items() { return List.copyOf(items); }
}
