import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.tensor.*;
import java.util.*;

/**
 * Per-direction times of one backend (algorithm from -Dalgo, default AUTO): for each descriptor, the median of REPS
 * calls of forward, input gradient and weight gradient after 3 warm-up calls each, with GFLOP/s.
 * args: threads reps descriptors...
 */
public class Dirs {
    public static void main(String[] a) {
        int threads = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        CpuBackend b = new CpuBackend(threads, ConvAlgorithm.valueOf(System.getProperty("algo", "AUTO")));
        for (int s = 2; s < a.length; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            Random r = new Random(1);
            float[] x = rnd(r, p.n() * p.cin() * p.h() * p.w()), w = rnd(r, (int) p.weightElements()), dy = rnd(r, p.n() * p.cout() * p.oh() * p.ow());
            Object[] t = tensors(b, p, x, w, dy);
            double flop = 2.0 * p.n() * p.cout() * p.oh() * p.ow() * p.cinPerGroup() * p.k() * p.k();
            StringBuilder sb = new StringBuilder(String.format("%-34s", p.descriptor()));
            String[] dirs = {"fwd", "dgrad", "wgrad"};
            double total = 0;
            for (int d = 0; d < 3; d++) {
                for (int k = 0; k < 3; k++) run(b, p, t, d);
                double[] ts = new double[reps];
                for (int k = 0; k < reps; k++) ts[k] = run(b, p, t, d);
                Arrays.sort(ts);
                total += ts[reps / 2];
                sb.append(String.format(" | %s %7.2f ms %4.0f GF/s", dirs[d], ts[reps / 2] * 1e3, flop / ts[reps / 2] / 1e9));
            }
            sb.append(String.format(" | f+b %7.2f ms %4.0f GF/s", total * 1e3, 3 * flop / total / 1e9));
            System.out.println(sb);
        }
        b.close();
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
