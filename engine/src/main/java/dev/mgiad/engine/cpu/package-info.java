/**
 * The CPU backend: Java Vector API kernels on batch-blocked activations.
 *
 * <p>Activations are stored {@code [N/L][C][H][W][L]} with L the SIMD width ({@link dev.mgiad.engine.cpu.Simd}), so
 * every convolution regime has the same inner operation, one weight broadcast and FMA'd into L images, whether it
 * is dense, grouped or depthwise. {@link dev.mgiad.engine.cpu.CpuBackend} implements the
 * {@link dev.mgiad.engine.backend.Backend}; {@link dev.mgiad.engine.cpu.ConvDispatch} picks a kernel per direction
 * from an ordered list (3x3 stride 1 and 2, 1x1, depthwise, and a generic fallback), {@link dev.mgiad.engine.cpu.NormKernels}
 * holds the fused batch norm, {@link dev.mgiad.engine.cpu.Parallel} the fixed thread team. Reductions run in a fixed
 * order ({@link dev.mgiad.engine.cpu.Lanes}), so results repeat bit for bit. {@link dev.mgiad.engine.cpu.Planar}
 * activations and {@link dev.mgiad.engine.cpu.PlanarKernels} serve inference on batches smaller than L.
 * The argument checks shared with the other backends are {@link dev.mgiad.engine.backend.BackendChecks}.
 */
package dev.mgiad.engine.cpu;
