package dev.mgiad.cli;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.opencl.OpenCl;
import dev.mgiad.opencl.OpenClBackend;
import picocli.CommandLine.Option;

/**
 * {@code --device cpu|opencl|opencl:N}, {@code --threads}, {@code --conv-algo} and the fallback rule, shared by
 * train, eval and bench.
 */
public final class DeviceOptions {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|opencl|opencl:N",
            description = "Backend: cpu, opencl (a GPU when there is one, else the first CPU device; the choice is printed) "
                    + "or opencl:N (see `mgiad devices`) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "CPU kernel threads (default: all processors).")
    Integer threads;

    @Option(names = "--conv-algo", defaultValue = "auto", paramLabel = "auto|direct|winograd",
            description = "3x3 stride-1 convolutions on the CPU: direct kernels, Winograd F(2x2,3x3) where the shape allows "
                    + "(16+ input channels per group, sizes multiples of 4), or auto: the one measured faster per shape "
                    + "(default: ${DEFAULT-VALUE}: today Winograd's forward and input gradient at 32+ channels per group, its "
                    + "weight gradient at 32+ channels per group, and at 16 on 8x8 images or larger with 128+ tiles per work item; "
                    + "the larger-tile F(4x4,3x3) instead for the forward and input gradient on images 16+ wide, and for the "
                    + "weight gradient with input channels in blocks of 64 and 32+ tiles per work item).")
    String convAlgo;

    @Option(names = "--fallback-cpu", description = "If the OpenCL device cannot be used, say why and run on the CPU instead of stopping.")
    boolean fallbackCpu;

    /**
     * All processors by default; at most that many, since the kernels' threads spin at every barrier and more
     * threads than processors only make them wait for each other (1,000 threads ran 6x slower than 2).
     */
    public int threads() {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (threads == null) return cpus;
        if (threads < 1 || threads > cpus) {
            throw new IllegalArgumentException("--threads must be in [1, " + cpus + "] (the processors available), got " + threads);
        }
        return threads;
    }

    /**
     * Opens the backend; an unusable OpenCL device is one line on stderr (then the CPU) or an error, as asked.
     * An OpenCL device is named first, on stdout, with the reason it was taken ({@link #choiceLine}).
     */
    public Backend open() {
        ConvAlgorithm algo = ConvAlgorithm.parse(convAlgo == null ? "auto" : convAlgo);
        if (device.equals("cpu")) return new CpuBackend(threads(), algo);
        if (algo == ConvAlgorithm.WINOGRAD) {
            throw new IllegalArgumentException("--conv-algo winograd: only the CPU backend has Winograd kernels (use --device cpu)");
        }
        if (!device.equals("opencl") && !device.startsWith("opencl:")) {
            throw new IllegalArgumentException("--device must be cpu, opencl or opencl:N, got '" + device + "'");
        }
        try {
            OpenCl.Choice choice = OpenCl.resolve(device);
            System.out.println(choiceLine(device, choice));
            return new OpenClBackend(choice.device());
        } catch (RuntimeException e) {
            if (!fallbackCpu) throw new IllegalArgumentException(e.getMessage() + " (use --fallback-cpu to run on the CPU instead)");
            System.err.println("mgiad: " + e.getMessage() + "; falling back to the CPU");
            return new CpuBackend(threads(), algo);
        }
    }

    /** {@code device: opencl:1 llvmpipe (CPU, rusticl): no GPU found, took the first CPU device}. */
    static String choiceLine(String spec, OpenCl.Choice choice) {
        return "device: " + choice.device().label() + ": " + choice.why()
                + (spec.equals("opencl") ? " (--device opencl; see mgiad devices)" : "");
    }

    static String openClStatus() {
        OpenCl.Availability a = OpenCl.probe();
        return a.available() ? null : a.reason();
    }
}
