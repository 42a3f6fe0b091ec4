import jdk.incubator.vector.*;
/**
 * The ceiling a Java Vector API loop reaches on one core: 12 FMAs per iteration from registers only, and with 4
 * loads per 12 FMAs from a 4 KiB and a 32 KiB array (L1). Session 8 (Zen 5): 196-207, 186-202 and 190-204 GFLOP/s
 * against a probed peak of ~207: the JIT can feed the FMA units; a kernel below that is limited by its loop shape.
 */
public class FmaLoads {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static float regs(float[] a, int reps) {
        FloatVector z = FloatVector.fromArray(S, a, 0);
        FloatVector a0=z,a1=z,a2=z,a3=z,a4=z,a5=z,a6=z,a7=z,a8=z,a9=z,a10=z,a11=z;
        FloatVector d0 = FloatVector.fromArray(S, a, 16), d1 = FloatVector.fromArray(S, a, 32), d2 = FloatVector.fromArray(S, a, 48), d3 = FloatVector.fromArray(S, a, 64);
        FloatVector w = FloatVector.broadcast(S, 0.9999f);
        for (int r = 0; r < reps; r++) {
            a0 = d0.fma(w, a0); a1 = d1.fma(w, a1); a2 = d2.fma(w, a2); a3 = d3.fma(w, a3);
            a4 = d0.fma(a4, d1); a5 = d1.fma(a5, d2); a6 = d2.fma(a6, d3); a7 = d3.fma(a7, d0);
            a8 = d0.fma(a8, d2); a9 = d1.fma(a9, d3); a10 = d2.fma(a10, d0); a11 = d3.fma(a11, d1);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }
    static float loads(float[] a, int n, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0=z,a1=z,a2=z,a3=z,a4=z,a5=z,a6=z,a7=z,a8=z,a9=z,a10=z,a11=z;
        FloatVector w = FloatVector.broadcast(S, 1.0001f);
        for (int r = 0; r < reps; r++)
        for (int i = 0; i < n; i += 64) {
            FloatVector d0 = FloatVector.fromArray(S, a, i), d1 = FloatVector.fromArray(S, a, i+16), d2 = FloatVector.fromArray(S, a, i+32), d3 = FloatVector.fromArray(S, a, i+48);
            a0 = d0.fma(w, a0); a1 = d1.fma(w, a1); a2 = d2.fma(w, a2); a3 = d3.fma(w, a3);
            a4 = d0.fma(d1, a4); a5 = d1.fma(d2, a5); a6 = d2.fma(d3, a6); a7 = d3.fma(d0, a7);
            a8 = d0.fma(d2, a8); a9 = d1.fma(d3, a9); a10 = d2.fma(d0, a10); a11 = d3.fma(d1, a11);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }
    public static void main(String[] x) {
        float[] a = new float[8192 + 64];
        float s = 0;
        for (int k = 0; k < 20; k++) { s += regs(a, 10000); s += loads(a, 1024, 100); s += loads(a, 8192, 10); }
        for (int k = 0; k < 3; k++) {
            long t0 = System.nanoTime(); s += regs(a, 20_000_000); long t1 = System.nanoTime();
            s += loads(a, 1024, 20000*8); long t2 = System.nanoTime();
            s += loads(a, 8192, 20000); long t3 = System.nanoTime();
            double f = 2.0*12*16;
            System.out.printf("regs %.0f  loads-4KB %.0f  loads-32KB %.0f GF/s%n", f*20e6/(t1-t0), f*20000*8*16/(t2-t1), f*20000*128/(t3-t2));
        }
        System.out.println(s);
    }
}
