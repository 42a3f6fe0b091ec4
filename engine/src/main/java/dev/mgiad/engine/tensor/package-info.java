/**
 * Float32 tensors: a {@link dev.mgiad.engine.tensor.Shape} ({@code [N, C, H, W]} for activations, PyTorch order for
 * parameters), a {@link dev.mgiad.engine.tensor.Layout} (plain, or batch-blocked for activations on the CPU) and a
 * backend's {@link dev.mgiad.engine.tensor.Storage}. Tensors carry no autograd state; data moves in and out only
 * through {@code Backend.upload} and {@code Backend.download}, in NCHW order whatever the layout.
 */
package dev.mgiad.engine.tensor;
