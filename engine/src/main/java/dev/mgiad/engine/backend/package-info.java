/**
 * The operator set of the engine and its problem descriptions.
 *
 * <p>{@link dev.mgiad.engine.backend.Backend} is everything a model needs, forward and backward: convolution (input
 * and weight gradients), batch norm (training and evaluation, with fused ReLU and residual), elementwise operators,
 * pooling, the linear layer, ResNet's option-A shortcut and the SGD step. The CPU backend
 * ({@code dev.mgiad.engine.cpu}) and the OpenCL backend ({@code dev.mgiad.opencl}) implement it and are checked by one
 * conformance suite against {@code dev.mgiad.engine.ref.Reference}. {@link dev.mgiad.engine.backend.ConvParams}
 * describes one convolution problem; {@link dev.mgiad.engine.backend.ProfilingBackend} wraps any backend to time its
 * operators ({@code mgiad bench model --profile}).
 */
package dev.mgiad.engine.backend;
