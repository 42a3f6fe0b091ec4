/**
 * Layers with named parameters, in PyTorch's conventions.
 *
 * <p>A {@link dev.mgiad.engine.nn.Module} registers children, {@link dev.mgiad.engine.nn.Parameter}s and
 * {@link dev.mgiad.engine.nn.StateBuffer}s under local names; full names are dotted paths from the root, as in a
 * PyTorch {@code state_dict}, and checkpoints use them. The layers: {@link dev.mgiad.engine.nn.Conv2d} (no bias,
 * weight {@code [out, in/groups, k, k]}), {@link dev.mgiad.engine.nn.BatchNorm2d} ({@code weight}, {@code bias},
 * {@code running_mean}, {@code running_var}; eps 1e-5, momentum 0.1) and {@link dev.mgiad.engine.nn.Linear}
 * ({@code weight [out, in]}, {@code bias}), initialised as PyTorch does, or He-normal through
 * {@link dev.mgiad.engine.nn.WeightInit}. A parameter can be flagged unused (counted, never applied): the spec's
 * dead level-1 pair.
 */
package dev.mgiad.engine.nn;
