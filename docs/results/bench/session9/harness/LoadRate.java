import jdk.incubator.vector.*;

/**
 * Why the kernels' panels start at Simd.ALIGN (session 9): a 4 x 4 outer product from L1 with 8 vector loads per 16
 * FMAs (the Winograd GEMM's and the weight gradients' inner-loop shape), with 4 loads, and from registers only, one
 * thread. Run with -XX:ObjectAlignmentInBytes=64 and -Doff=0/12 (the float index the loads start at; 0: every load
 * straddles two cache lines, a float array's data starting 16 bytes into a line; 12: 64-byte aligned). Session 9, AMD
 * EPYC Zen 5, run.sh (the Vector API's index checks off, as bin/mgiad runs): 8 loads off=0 168-177 GFLOP/s, off=12
 * 187-203 (FMA peak ~205); 4 loads and registers only 199-210 either way. With the index checks on (the JVM's
 * default) 8 loads: off=0 110-137, off=12 213-215. Inside the Winograd weight gradient, whose panels also come
 * from L2/L3, aligning its panels made it 1.12-1.42x faster (paired in one JVM, same bits).
 *   MAIN=LoadRate JOPTS="-XX:ObjectAlignmentInBytes=64 -Doff=12" docs/results/bench/session9/harness/run.sh
 */
public class LoadRate {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final int OFF = Integer.getInteger("off", 0);
    // 4x4 outer product: 8 loads, 16 FMA per iteration, operands in L1 (n vectors per row)
    static float op8(float[] a, float[] b, int n, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00=z,a01=z,a02=z,a03=z,a10=z,a11=z,a12=z,a13=z,a20=z,a21=z,a22=z,a23=z,a30=z,a31=z,a32=z,a33=z;
        int row = n * 16 + 16;
        for (int r = 0; r < reps; r++)
        for (int q = 0, v = OFF; q < n; q++, v += 16) {
            FloatVector v0 = FloatVector.fromArray(S, a, v), v1 = FloatVector.fromArray(S, a, v + row), v2 = FloatVector.fromArray(S, a, v + 2 * row), v3 = FloatVector.fromArray(S, a, v + 3 * row);
            FloatVector d0 = FloatVector.fromArray(S, b, v), d1 = FloatVector.fromArray(S, b, v + row), d2 = FloatVector.fromArray(S, b, v + 2 * row), d3 = FloatVector.fromArray(S, b, v + 3 * row);
            a00 = d0.fma(v0, a00); a01 = d0.fma(v1, a01); a02 = d0.fma(v2, a02); a03 = d0.fma(v3, a03);
            a10 = d1.fma(v0, a10); a11 = d1.fma(v1, a11); a12 = d1.fma(v2, a12); a13 = d1.fma(v3, a13);
            a20 = d2.fma(v0, a20); a21 = d2.fma(v1, a21); a22 = d2.fma(v2, a22); a23 = d2.fma(v3, a23);
            a30 = d3.fma(v0, a30); a31 = d3.fma(v1, a31); a32 = d3.fma(v2, a32); a33 = d3.fma(v3, a33);
        }
        return a00.add(a01).add(a02).add(a03).add(a10).add(a11).add(a12).add(a13).add(a20).add(a21).add(a22).add(a23).add(a30).add(a31).add(a32).add(a33).reduceLanes(VectorOperators.ADD);
    }
    // same FMAs, 4 loads per iteration (d operands reused from registers)
    static float op4(float[] a, float[] b, int n, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00=z,a01=z,a02=z,a03=z,a10=z,a11=z,a12=z,a13=z,a20=z,a21=z,a22=z,a23=z,a30=z,a31=z,a32=z,a33=z;
        FloatVector d0 = FloatVector.fromArray(S, b, 0), d1 = FloatVector.fromArray(S, b, 16), d2 = FloatVector.fromArray(S, b, 32), d3 = FloatVector.fromArray(S, b, 48);
        int row = n * 16 + 16;
        for (int r = 0; r < reps; r++)
        for (int q = 0, v = 0; q < n; q++, v += 16) {
            FloatVector v0 = FloatVector.fromArray(S, a, v), v1 = FloatVector.fromArray(S, a, v + row), v2 = FloatVector.fromArray(S, a, v + 2 * row), v3 = FloatVector.fromArray(S, a, v + 3 * row);
            a00 = d0.fma(v0, a00); a01 = d0.fma(v1, a01); a02 = d0.fma(v2, a02); a03 = d0.fma(v3, a03);
            a10 = d1.fma(v0, a10); a11 = d1.fma(v1, a11); a12 = d1.fma(v2, a12); a13 = d1.fma(v3, a13);
            a20 = d2.fma(v0, a20); a21 = d2.fma(v1, a21); a22 = d2.fma(v2, a22); a23 = d2.fma(v3, a23);
            a30 = d3.fma(v0, a30); a31 = d3.fma(v1, a31); a32 = d3.fma(v2, a32); a33 = d3.fma(v3, a33);
        }
        return a00.add(a01).add(a02).add(a03).add(a10).add(a11).add(a12).add(a13).add(a20).add(a21).add(a22).add(a23).add(a30).add(a31).add(a32).add(a33).reduceLanes(VectorOperators.ADD);
    }
    // registers only: 16 FMA
    static float op0(float[] a, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00=z,a01=z,a02=z,a03=z,a10=z,a11=z,a12=z,a13=z,a20=z,a21=z,a22=z,a23=z,a30=z,a31=z,a32=z,a33=z;
        FloatVector d0 = FloatVector.fromArray(S, a, 0), d1 = FloatVector.fromArray(S, a, 16), d2 = FloatVector.fromArray(S, a, 32), d3 = FloatVector.fromArray(S, a, 48);
        FloatVector v0 = d1, v1 = d2, v2 = d3, v3 = d0;
        for (int r = 0; r < reps; r++) {
            a00 = d0.fma(v0, a00); a01 = d0.fma(v1, a01); a02 = d0.fma(v2, a02); a03 = d0.fma(v3, a03);
            a10 = d1.fma(v0, a10); a11 = d1.fma(v1, a11); a12 = d1.fma(v2, a12); a13 = d1.fma(v3, a13);
            a20 = d2.fma(v0, a20); a21 = d2.fma(v1, a21); a22 = d2.fma(v2, a22); a23 = d2.fma(v3, a23);
            a30 = d3.fma(v0, a30); a31 = d3.fma(v1, a31); a32 = d3.fma(v2, a32); a33 = d3.fma(v3, a33);
        }
        return a00.add(a01).add(a02).add(a03).add(a10).add(a11).add(a12).add(a13).add(a20).add(a21).add(a22).add(a23).add(a30).add(a31).add(a32).add(a33).reduceLanes(VectorOperators.ADD);
    }
    public static void main(String[] x) {
        int n = 32; float[] a = new float[4 * (n * 16 + 16) + 64], b = a.clone();
        for (int i = 0; i < a.length; i++) { a[i] = 1e-3f; b[i] = 1e-3f; }
        float s = 0;
        for (int round = 0; round < 8; round++) {
            int reps = 200000;
            long t0 = System.nanoTime(); s += op8(a, b, n, reps); long t1 = System.nanoTime();
            s += op4(a, b, n, reps); long t2 = System.nanoTime();
            s += op0(a, reps * n); long t3 = System.nanoTime();
            double f = 2.0 * 16 * 16 * n * (double) reps;
            System.out.printf("8 loads/16 FMA %5.0f GF/s | 4 loads/16 FMA %5.0f | regs %5.0f%n", f / (t1 - t0), f / (t2 - t1), f / (t3 - t2));
        }
        System.out.println(s);
    }
}
