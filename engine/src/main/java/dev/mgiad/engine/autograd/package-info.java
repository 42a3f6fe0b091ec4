/**
 * Reverse-mode automatic differentiation on a tape.
 *
 * <p>A {@link dev.mgiad.engine.autograd.Graph} runs each operator through the {@link dev.mgiad.engine.backend.Backend}
 * and, in training mode, records a closure for its backward step; {@link dev.mgiad.engine.autograd.Graph#backward()}
 * replays them in reverse. Gradients are written by the first contribution and accumulated by later ones, so a weight
 * shared by several call sites (MgNet's A, MGiaD's A up to six times per channel level) receives the sum of all uses
 * without zero-fill passes. Activations and gradients come from a {@link dev.mgiad.engine.autograd.BufferPool} that
 * is reused from step to step: after the first step a training step allocates nothing.
 */
package dev.mgiad.engine.autograd;
