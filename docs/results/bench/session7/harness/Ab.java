import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.tensor.*;
import java.util.*;

/** Paired A/B: direct vs winograd per direction, interleaved, median of per-pair time ratios. args: threads reps descriptors... */
public class Ab {
    public static void main(String[] a) {
        int threads = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        CpuBackend A = new CpuBackend(threads, ConvAlgorithm.DIRECT), B = new CpuBackend(threads, ConvAlgorithm.WINOGRAD);
        for (int s = 2; s < a.length; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            Random r = new Random(1);
            float[] x = rnd(r, p.n() * p.cin() * p.h() * p.w()), w = rnd(r, (int) p.weightElements()), dy = rnd(r, p.n() * p.cout() * p.oh() * p.ow());
            Object[] ta = tensors(A, p, x, w, dy), tb = tensors(B, p, x, w, dy);
            String[] dirs = {"fwd", "dgrad", "wgrad"};
            StringBuilder sb = new StringBuilder(String.format("%-34s", p.descriptor()));
            double flop = 2.0 * p.n() * p.cout() * p.oh() * p.ow() * p.cinPerGroup() * p.k() * p.k();
            for (int d = 0; d < 3; d++) {
                for (int k = 0; k < 3; k++) { run(A, p, ta, d); run(B, p, tb, d); }
                double[] ra = new double[reps], rb = new double[reps], ratio = new double[reps];
                for (int k = 0; k < reps; k++) {
                    ra[k] = run(A, p, ta, d); rb[k] = run(B, p, tb, d); ratio[k] = ra[k] / rb[k];
                }
                Arrays.sort(ra); Arrays.sort(rb); Arrays.sort(ratio);
                sb.append(String.format(" | %s direct %6.2f ms %5.0f GF/s wino %6.2f ms %5.0f GF/s  x%.2f", dirs[d], ra[reps/2]*1e3, flop/ra[reps/2]/1e9, rb[reps/2]*1e3, flop/rb[reps/2]/1e9, ratio[reps/2]));
            }
            // dw agreement
            run(A, p, ta, 2); run(B, p, tb, 2);
            float[] wa = A.download((Tensor) ta[5]), wb = B.download((Tensor) tb[5]);
            double num = 0, den = 0; for (int k = 0; k < wa.length; k++) { num += (wa[k]-wb[k])*(double)(wa[k]-wb[k]); den += wa[k]*(double)wa[k]; }
            sb.append(String.format("  dw rel-rms diff %.2e", Math.sqrt(num/den)));
            System.out.println(sb);
        }
        A.close(); B.close();
    }
    static float[] rnd(Random r, int n) { float[] f = new float[n]; for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian(); return f; }
    static Tensor act(CpuBackend b, float[] d, int n, int c, int h, int w) { Tensor t = b.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED); b.upload(d, t); return t; }
    static Object[] tensors(CpuBackend b, ConvParams p, float[] x, float[] w, float[] dy) {
        Tensor tx = act(b, x, p.n(), p.cin(), p.h(), p.w()), tdy = act(b, dy, p.n(), p.cout(), p.oh(), p.ow());
        Tensor tw = b.allocate(Shape.of(p.cout(), p.cinPerGroup(), p.k(), p.k()), Layout.PLAIN); b.upload(w, tw);
        Tensor ty = b.allocate(tdy.shape(), Layout.BATCH_BLOCKED), tdx = b.allocate(tx.shape(), Layout.BATCH_BLOCKED);
        Tensor tdw = b.allocate(tw.shape(), Layout.PLAIN);
        return new Object[]{tx, tw, tdy, ty, tdx, tdw};
    }
    static double run(CpuBackend b, ConvParams p, Object[] t, int d) {
        long t0 = System.nanoTime();
        switch (d) {
            case 0 -> b.convForward(p, (Tensor) t[0], (Tensor) t[1], (Tensor) t[3], null, 1f);
            case 1 -> b.convBackwardData(p, (Tensor) t[2], (Tensor) t[1], (Tensor) t[4], 1f, false);
            default -> b.convBackwardWeights(p, (Tensor) t[0], (Tensor) t[2], (Tensor) t[5], 1f, false);
        }
        return (System.nanoTime() - t0) * 1e-9;
    }
}
