package dev.mgiad.train;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.model.Model;

/** What the trainer needs of a model: its parameter tree and its forward pass. */
public interface Network {
    Module module();

    Var forward(Graph g, Var x);

    /** A model of the spec as a network. */
    static Network of(Model m) {
        return new Network() {
            @Override public Module module() { return m.root(); }
            @Override public Var forward(Graph g, Var x) { return m.forward(g, x); }
        };
    }
}
