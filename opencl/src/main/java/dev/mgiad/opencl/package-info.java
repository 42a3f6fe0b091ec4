/**
 * The engine's operators on an OpenCL device through JOCL.
 *
 * <ul>
 *   <li>{@link dev.mgiad.opencl.OpenCl}: {@code probe()} (is OpenCL usable, and if not, why, without a stack trace or
 *       a native print), {@code listing()} / {@code devices()} (every device of every platform, and one line per
 *       platform that could not be queried), {@code select("opencl" | "opencl:N")} and the rule behind
 *       {@code opencl} (a GPU when there is one, else the first CPU device).</li>
 *   <li>{@code DeviceQuery}: how one platform's devices are found (the specification's {@code CL_DEVICE_TYPE_ALL},
 *       then type by type where a platform refuses it).</li>
 *   <li>{@link dev.mgiad.opencl.SelfTest}: a one-second convolution on a device against the reference.</li>
 *   <li>{@link dev.mgiad.opencl.OpenClBackend}: the {@link dev.mgiad.engine.backend.Backend} on one device, tensors
 *       in device buffers ({@link dev.mgiad.opencl.ClStorage}), kernels in {@code conv2d.cl}, {@code batch_norm.cl}
 *       and {@code elementwise.cl} next to the classes.</li>
 * </ul>
 *
 * <p>The tests run on every device of every platform (PoCL and Mesa's rusticl in CI) and skip with the probe's
 * reason where there is none; {@code opencl/gpu-check.sh} runs them and the convolution benchmark on a GPU.
 */
package dev.mgiad.opencl;
