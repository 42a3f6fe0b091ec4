import jdk.incubator.vector.*;
/**
 * Is the host steady? Register-only FMA loops on THREADS threads (no memory traffic), 16 windows of about 50 ms;
 * prints GFLOP/s per window. On a quiet host every window is near the probe's peak; on 2026-12-02 (AMD EPYC Zen 5,
 * 2 vCPUs) windows ranged 188-400 GFLOP/s for 2 threads, while 1 thread held ~200: the second vCPU was
 * intermittently taken by the host. args: threads
 */
public class HostNoise {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static volatile float sink;
    static float regs(int reps) {
        FloatVector z = FloatVector.broadcast(S, 1f);
        FloatVector a0=z,a1=z,a2=z,a3=z,a4=z,a5=z,a6=z,a7=z,a8=z,a9=z,a10=z,a11=z;
        FloatVector w = FloatVector.broadcast(S, 0.9999f), d = FloatVector.broadcast(S, 1e-4f);
        for (int r = 0; r < reps; r++) {
            a0 = a0.fma(w, d); a1 = a1.fma(w, d); a2 = a2.fma(w, d); a3 = a3.fma(w, d);
            a4 = a4.fma(w, d); a5 = a5.fma(w, d); a6 = a6.fma(w, d); a7 = a7.fma(w, d);
            a8 = a8.fma(w, d); a9 = a9.fma(w, d); a10 = a10.fma(w, d); a11 = a11.fma(w, d);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }
    public static void main(String[] x) throws Exception {
        int threads = Integer.parseInt(x[0]);
        for (int k = 0; k < 20; k++) sink = regs(100000);
        for (int s = 0; s < 16; s++) {
            long t0 = System.nanoTime();
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) { ts[t] = new Thread(() -> sink = regs(5_000_000)); ts[t].start(); }
            for (Thread t : ts) t.join();
            long dt = System.nanoTime() - t0;
            System.out.printf("%.0f ", threads * 5e6 * 12 * 32 / dt);
        }
        System.out.println("GF/s");
    }
}
