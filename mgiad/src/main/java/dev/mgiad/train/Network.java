package dev.mgiad.train;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.nn.Module;

/** What the trainer needs of a model: its parameter tree and its forward pass. */
public interface Network {
    Module module();

    Var forward(Graph g, Var x);
}
