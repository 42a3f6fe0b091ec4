import jdk.incubator.vector.*;
/**
 * The direct weight gradient's inner loop (4 dy loads, 1 x load, 12 FMAs, a sliding 3-vector window) with every
 * operand in L1 (a 32 KiB dy panel, an 8 KiB x row), one thread: session 8 (Zen 5, ~207 GFLOP/s per core) 184-215
 * GFLOP/s, with or without the conditional window load and with long offsets. DwLoop, the same loop over an L2-sized
 * panel and x rows from L2/L3, reaches 57-125: what limits the weight gradient is where its operands are, not its
 * loop shape.
 */
public class DwLoopL1 {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final int L = 16;
    // 4 dy loads + 1 x load, 12 FMA, window rotation: like dwRows with a long row, no conditional
    static float rot(float[] pan, float[] x, int n, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00=z,a01=z,a02=z,a10=z,a11=z,a12=z,a20=z,a21=z,a22=z,a30=z,a31=z,a32=z;
        for (int r0 = 0; r0 < reps; r0++) {
            FloatVector l = z, c = FloatVector.fromArray(S, x, 0), r = FloatVector.fromArray(S, x, L);
            for (int xx = 0, d = 0; xx < n; xx++, d += 4 * L) {
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
                l = c; c = r;
                r = FloatVector.fromArray(S, x, (xx + 2) * L);
            }
        }
        return a00.add(a01).add(a02).add(a10).add(a11).add(a12).add(a20).add(a21).add(a22).add(a30).add(a31).add(a32).reduceLanes(VectorOperators.ADD);
    }
    static float rotc(float[] pan, float[] x, int n, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00=z,a01=z,a02=z,a10=z,a11=z,a12=z,a20=z,a21=z,a22=z,a30=z,a31=z,a32=z;
        for (int r0 = 0; r0 < reps; r0++) {
            FloatVector l = z, c = FloatVector.fromArray(S, x, 0), r = FloatVector.fromArray(S, x, L);
            for (int xx = 0, d = 0; xx < n; xx++, d += 4 * L) {
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
                l = c; c = r;
                r = xx + 2 < n ? FloatVector.fromArray(S, x, (xx + 2) * L) : z;
            }
        }
        return a00.add(a01).add(a02).add(a10).add(a11).add(a12).add(a20).add(a21).add(a22).add(a30).add(a31).add(a32).reduceLanes(VectorOperators.ADD);
    }
    static float rotl(float[] pan, float[] x, int n, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00=z,a01=z,a02=z,a10=z,a11=z,a12=z,a20=z,a21=z,a22=z,a30=z,a31=z,a32=z;
        final long P = L; long xr = reps > 0 ? 0 : 1;
        for (int r0 = 0; r0 < reps; r0++) {
            FloatVector l = z, c = FloatVector.fromArray(S, x, 0), r = FloatVector.fromArray(S, x, L);
            for (int xx = 0, d = 0; xx < n; xx++, d += 4 * L) {
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
                l = c; c = r;
                r = FloatVector.fromArray(S, x, (int) (xr + (xx + 2) * P));
            }
        }
        return a00.add(a01).add(a02).add(a10).add(a11).add(a12).add(a20).add(a21).add(a22).add(a30).add(a31).add(a32).reduceLanes(VectorOperators.ADD);
    }
    // same work, no rotation: the three window vectors loaded each pixel (x loads 3 per pixel)
    static float norot(float[] pan, float[] x, int n, int reps) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00=z,a01=z,a02=z,a10=z,a11=z,a12=z,a20=z,a21=z,a22=z,a30=z,a31=z,a32=z;
        for (int r0 = 0; r0 < reps; r0++) {
            for (int xx = 0, d = 0; xx < n; xx++, d += 4 * L) {
                FloatVector l = FloatVector.fromArray(S, x, xx * L), c = FloatVector.fromArray(S, x, xx * L + L), r = FloatVector.fromArray(S, x, xx * L + 2 * L);
                FloatVector d0 = FloatVector.fromArray(S, pan, d), d1 = FloatVector.fromArray(S, pan, d + L);
                FloatVector d2 = FloatVector.fromArray(S, pan, d + 2 * L), d3 = FloatVector.fromArray(S, pan, d + 3 * L);
                a00 = d0.fma(l, a00); a01 = d0.fma(c, a01); a02 = d0.fma(r, a02);
                a10 = d1.fma(l, a10); a11 = d1.fma(c, a11); a12 = d1.fma(r, a12);
                a20 = d2.fma(l, a20); a21 = d2.fma(c, a21); a22 = d2.fma(r, a22);
                a30 = d3.fma(l, a30); a31 = d3.fma(c, a31); a32 = d3.fma(r, a32);
            }
        }
        return a00.add(a01).add(a02).add(a10).add(a11).add(a12).add(a20).add(a21).add(a22).add(a30).add(a31).add(a32).reduceLanes(VectorOperators.ADD);
    }
    public static void main(String[] a) {
        int n = 128; float[] pan = new float[n * 4 * L], x = new float[(n + 2) * L];
        float s = 0;
        for (int k = 0; k < 50; k++) { s += rot(pan, x, n, 100); s += rotc(pan, x, n, 100); s += rotl(pan, x, n, 100); }
        for (int k = 0; k < 4; k++) {
            long t0 = System.nanoTime(); s += rot(pan, x, n, 100000); long t1 = System.nanoTime(); s += rotc(pan, x, n, 100000); long t2 = System.nanoTime(); s += rotl(pan, x, n, 100000); long t3 = System.nanoTime();
            double f = 2.0 * 12 * 16 * n * 100000;
            System.out.printf("rotation %.0f  with conditional load %.0f  long offsets %.0f GF/s%n", f / (t1 - t0), f / (t2 - t1), f / (t3 - t2));
        }
        System.out.println(s);
    }
}
