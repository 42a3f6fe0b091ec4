package dev.mgiad.engine.tensor;

/**
 * How a tensor's elements are ordered in its storage.
 *
 * <p>{@link #PLAIN}: row-major in the order of {@link Shape#dims()} (parameters, buffers, host arrays).
 *
 * <p>{@link #BATCH_BLOCKED}: activations {@code [N, C, H, W]} stored as {@code [N/B][C][H][W][B]} where B is the
 * backend's batch block (the SIMD width on the CPU, 16 floats with AVX-512). The batch is innermost so that every
 * convolution regime, dense, grouped or depthwise, vectorises over B images at once whatever its group size or
 * spatial size: a weight is broadcast and multiplied into B images with one FMA. N is padded up to a multiple of B;
 * the padding lanes always hold zeros, so sums over them (batch-norm statistics, weight gradients) are unaffected.
 */
public enum Layout { PLAIN, BATCH_BLOCKED }
