package dev.mgiad.engine.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
 * @param vectorBits   width of the preferred Vector API species (512 with AVX-512)
 * @param cores        processors available to the JVM
 * @param jdk          runtime version and VM
 * @param threads      threads the benchmark ran with
 * @param fmaPeakGflops FP32 FMA GFLOP/s of {@code threads} threads, best of a few short probes (NaN if not measured)
 */
public record MachineInfo(String cpuModel, int vectorBits, int cores, String jdk, int threads, double fmaPeakGflops) {

    /** Describes this machine; measures the FMA peak for {@code threads} threads when {@code measurePeak}. */
    public static MachineInfo probe(int threads, boolean measurePeak) {
        return new MachineInfo(readCpuModel(), FloatVector.SPECIES_PREFERRED.vectorBitSize(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.version() + " (" + System.getProperty("java.vm.name", "?") + ")", threads,
                measurePeak ? FmaPeak.measure(threads) : Double.NaN);
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
        return m;
    }

    /** One comment line for text reports. */
    public String line() {
        return String.format(Locale.ROOT, "# machine: %s, %d-bit vectors, %d cores, JDK %s, %d threads, FMA peak %s GFLOP/s",
                cpuModel, vectorBits, cores, jdk, threads,
                Double.isNaN(fmaPeakGflops) ? "not measured" : String.format(Locale.ROOT, "%.0f", fmaPeakGflops));
    }

    /**
     * The FP32 FMA peak as the Vector API reaches it: each thread runs 12 independent accumulator chains of
     * {@code v = v * m + a} (enough to cover the FMA latency of two units), for a fixed number of iterations.
     */
    public static final class FmaPeak {
        private FmaPeak() { }

        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final int CHAINS = 12;

        /** Best of five ~50 ms probes, all threads at once, in GFLOP/s. */
        public static double measure(int threads) {
            long iters = 20_000_000;
            chains(20_000); // compile the loop before timing it
            double best = 0;
            for (int rep = 0; rep < 5; rep++) {
                Thread[] ts = new Thread[threads];
                float[] sink = new float[threads];
                long t0 = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    ts[t] = Thread.ofPlatform().start(() -> sink[id] = chains(iters));
                }
                for (Thread t : ts) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Double.NaN;
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, 2.0 * S.length() * CHAINS * iters * threads / secs / 1e9);
                if (Float.isNaN(sink[0])) best = Double.NaN; // keeps the results alive
            }
            return best;
        }

        private static float chains(long iters) {
            FloatVector m = FloatVector.broadcast(S, 0.999999f), a = FloatVector.broadcast(S, 1e-7f);
            FloatVector v0 = FloatVector.broadcast(S, 1f), v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0;
            FloatVector v6 = v0, v7 = v0, v8 = v0, v9 = v0, v10 = v0, v11 = v0;
            for (long i = 0; i < iters; i++) {
                v0 = v0.fma(m, a); v1 = v1.fma(m, a); v2 = v2.fma(m, a); v3 = v3.fma(m, a);
                v4 = v4.fma(m, a); v5 = v5.fma(m, a); v6 = v6.fma(m, a); v7 = v7.fma(m, a);
                v8 = v8.fma(m, a); v9 = v9.fma(m, a); v10 = v10.fma(m, a); v11 = v11.fma(m, a);
            }
            return v0.add(v1).add(v2).add(v3).add(v4).add(v5).add(v6).add(v7).add(v8).add(v9).add(v10).add(v11)
                    .reduceLanes(VectorOperators.ADD);
        }
    }
}
