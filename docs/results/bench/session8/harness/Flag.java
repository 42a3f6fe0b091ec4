import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import java.lang.reflect.Field;
import java.util.*;

/**
 * Paired A/B of a kernel switch inside one JVM: a static boolean field of an engine class (the experiment's switch),
 * false (A) against true (B), call by call interleaved for one direction (0 fwd, 1 dgrad, 2 wgrad); prints both
 * medians and the median of per-pair ratios A/B. args: threads reps class field dir descriptors...
 */
public class Flag {
    public static void main(String[] a) throws Exception {
        int threads = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        Field f = Class.forName("dev.mgiad.engine.cpu." + a[2]).getDeclaredField(a[3]);
        f.setAccessible(true);
        int d = Integer.parseInt(a[4]);
        CpuBackend b = new CpuBackend(threads, ConvAlgorithm.valueOf(System.getProperty("algo", "AUTO")));
        for (int s = 5; s < a.length; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            Random r = new Random(1);
            float[] x = Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), w = Ab.rnd(r, (int) p.weightElements()), dy = Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow());
            Object[] t = Ab.tensors(b, p, x, w, dy);
            double flop = 2.0 * p.n() * p.cout() * p.oh() * p.ow() * p.cinPerGroup() * p.k() * p.k();
            for (int k = 0; k < 3; k++) { f.setBoolean(null, false); Ab.run(b, p, t, d); f.setBoolean(null, true); Ab.run(b, p, t, d); }
            double[] ta = new double[reps], tb = new double[reps], ratio = new double[reps];
            for (int k = 0; k < reps; k++) {
                f.setBoolean(null, false); ta[k] = Ab.run(b, p, t, d);
                f.setBoolean(null, true); tb[k] = Ab.run(b, p, t, d);
                ratio[k] = ta[k] / tb[k];
            }
            Arrays.sort(ta); Arrays.sort(tb); Arrays.sort(ratio);
            System.out.printf("%-34s dir %d  A(false) %7.2f ms %4.0f GF/s  B(true) %7.2f ms %4.0f GF/s  A/B x%.2f [%.2f..%.2f]%n", p.descriptor(), d,
                    ta[reps / 2] * 1e3, flop / ta[reps / 2] / 1e9, tb[reps / 2] * 1e3, flop / tb[reps / 2] / 1e9, ratio[reps / 2], ratio[0], ratio[reps - 1]);
        }
        b.close();
    }
}
