/**
 * The engine's operators on an OpenCL device through JOCL.
 *
 * <ul>
 *   <li>{@link dev.mgiad.opencl.OpenCl}: {@code probe()} (is OpenCL usable, and if not, why, without a stack trace or
 *       a native print), {@code devices()} (for {@code mgiad devices}), {@code select("opencl" | "opencl:N")}.</li>
 *   <li>{@link dev.mgiad.opencl.OpenClBackend}: the {@link dev.mgiad.engine.backend.Backend} on one device, tensors
 *       in device buffers ({@link dev.mgiad.opencl.ClStorage}), kernels in {@code conv2d.cl}, {@code batch_norm.cl}
 *       and {@code elementwise.cl} next to the classes.</li>
 * </ul>
 *
 * <p>The tests run on any OpenCL device, PoCL on a machine without a GPU, and skip with the probe's reason where
 * there is none; {@code opencl/gpu-check.sh} runs them and the convolution benchmark on a GPU.
 */
package dev.mgiad.opencl;
