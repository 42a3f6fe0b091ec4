import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.tensor.*;
import java.util.*;

/**
 * (The helpers rnd, tensors and run are session 7's, in ../../session7/harness/Ab.java; dirs.sh compiles both.)
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
            float[] x = Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), w = Ab.rnd(r, (int) p.weightElements()), dy = Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow());
            Object[] t = Ab.tensors(b, p, x, w, dy);
            double flop = 2.0 * p.n() * p.cout() * p.oh() * p.ow() * p.cinPerGroup() * p.k() * p.k();
            StringBuilder sb = new StringBuilder(String.format("%-34s", p.descriptor()));
            String[] dirs = {"fwd", "dgrad", "wgrad"};
            double total = 0;
            for (int d = 0; d < 3; d++) {
                for (int k = 0; k < 3; k++) Ab.run(b, p, t, d);
                double[] ts = new double[reps];
                for (int k = 0; k < reps; k++) ts[k] = Ab.run(b, p, t, d);
                Arrays.sort(ts);
                total += ts[reps / 2];
                sb.append(String.format(" | %s %7.2f ms %4.0f GF/s", dirs[d], ts[reps / 2] * 1e3, flop / ts[reps / 2] / 1e9));
            }
            sb.append(String.format(" | f+b %7.2f ms %4.0f GF/s", total * 1e3, 3 * flop / total / 1e9));
            System.out.println(sb);
        }
        b.close();
    }
}
