import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import java.util.*;

/**
 * (Helpers from ../../session7/harness/Ab.java; compile with session8's dirs.sh: MAIN=Seq.)
 * Per-direction times inside the sequence `bench conv` times (forward, input gradient, weight gradient, one after
 * the other, as in a training step), so that each direction finds its operands where the previous one left them.
 * -Dflush=MB: between sequences, sweep that many MB of other data (as the rest of a model would).
 * -DwarmAll=N (session 11): first run every descriptor's sequence N times untimed, so that no problem pays for the
 * JIT's compilation of a kernel another problem shares (the first problem in a JVM otherwise does).
 * args: threads reps descriptors...
 */
public class Seq {
    public static void main(String[] a) {
        int threads = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        int flushMb = Integer.getInteger("flush", 0);
        float[] junk = new float[flushMb << 18];
        CpuBackend b = new CpuBackend(threads, ConvAlgorithm.valueOf(System.getProperty("algo", "AUTO")));
        double sink = 0;
        int warmAll = Integer.getInteger("warmAll", 0);
        for (int s = 2; s < a.length && warmAll > 0; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            Random r = new Random(1);
            Object[] t = Ab.tensors(b, p, Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), Ab.rnd(r, (int) p.weightElements()),
                    Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow()));
            for (int k = 0; k < warmAll; k++) for (int d = 0; d < 3; d++) sink += Ab.run(b, p, t, d);
        }
        for (int s = 2; s < a.length; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            Random r = new Random(1);
            float[] x = Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), w = Ab.rnd(r, (int) p.weightElements()), dy = Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow());
            Object[] t = Ab.tensors(b, p, x, w, dy);
            double flop = 2.0 * p.n() * p.cout() * p.oh() * p.ow() * p.cinPerGroup() * p.k() * p.k();
            double[][] ts = new double[3][reps];
            for (int k = -3; k < reps; k++) {
                for (int i = 0; i < junk.length; i += 16) { junk[i] += 1f; sink += junk[i]; }
                for (int d = 0; d < 3; d++) { double v = Ab.run(b, p, t, d); if (k >= 0) ts[d][k] = v; }
            }
            StringBuilder sb = new StringBuilder(String.format("%-34s", p.descriptor()));
            String[] dirs = {"fwd", "dgrad", "wgrad"};
            double total = 0;
            for (int d = 0; d < 3; d++) {
                Arrays.sort(ts[d]);
                double m = ts[d][reps / 2];
                total += m;
                sb.append(String.format(" | %s %7.2f ms %4.0f GF/s", dirs[d], m * 1e3, flop / m / 1e9));
            }
            sb.append(String.format(" | f+b %7.2f ms %4.0f GF/s", total * 1e3, 3 * flop / total / 1e9));
            System.out.println(sb);
        }
        if (sink == 42) System.out.println();
        b.close();
    }
}
