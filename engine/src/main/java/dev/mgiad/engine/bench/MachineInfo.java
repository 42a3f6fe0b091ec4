package dev.mgiad.engine.bench;

import dev.mgiad.engine.cpu.Simd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The machine a benchmark ran on, written beside its numbers: CPU model, SIMD width, cores, JDK, threads, and the
 * FP32 FMA peak measured right before the benchmark. Machines of this kind are shared virtual machines whose peak
 * varies several-fold within minutes, so a number without the peak of its moment cannot be compared.
 *
 * @param cpuModel     "model name" of /proc/cpuinfo, else the OS architecture
 * @param vectorBits   width of the kernels' vector species (512 with AVX-512, unless -Dmgiad.simd.lanes says otherwise)
 * @param cores        processors available to the JVM
 * @param jdk          runtime version and VM
 * @param threads      threads the benchmark ran with
 * @param fmaPeakGflops FP32 FMA GFLOP/s of {@code threads} threads, best of a few short probes (NaN if not measured)
 * @param alignedPanels whether the kernels' packed panels start on cache lines ({@link Simd#ALIGN}: the JVM ran with
 *                      -XX:ObjectAlignmentInBytes=64, as bin/mgiad runs it); without, the same code is slower
 */
public record MachineInfo(String cpuModel, int vectorBits, int cores, String jdk, int threads, double fmaPeakGflops,
                          boolean alignedPanels) {

    /** Describes this machine; measures the FMA peak for {@code threads} threads when {@code measurePeak}. */
    public static MachineInfo probe(int threads, boolean measurePeak) {
        return new MachineInfo(readCpuModel(), Simd.SPECIES.vectorBitSize(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.version() + " (" + System.getProperty("java.vm.name", "?") + ")", threads,
                measurePeak ? FmaPeak.measure(threads, 5) : Double.NaN, Simd.ALIGN > 0);
    }

    static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through to the architecture
        }
        return System.getProperty("os.arch", "unknown");
    }

    /** Ordered fields for JSON and CSV. */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel);
        m.put("vector_bits", (long) vectorBits);
        m.put("cores", (long) cores);
        m.put("jdk", jdk);
        m.put("threads", (long) threads);
        m.put("fma_peak_gflops", fmaPeakGflops);
        m.put("aligned_panels", alignedPanels);
        return m;
    }

    /** One comment line for text reports. */
    public String line() {
        return String.format(Locale.ROOT, "# machine: %s, %d-bit vectors, %d cores, JDK %s, %d threads, FMA peak %s GFLOP/s%s",
                cpuModel, vectorBits, cores, jdk, threads,
                Double.isNaN(fmaPeakGflops) ? "not measured" : String.format(Locale.ROOT, "%.0f", fmaPeakGflops),
                alignedPanels ? "" : ", panels not cache-line aligned (run with -XX:ObjectAlignmentInBytes=64)");
    }
}
