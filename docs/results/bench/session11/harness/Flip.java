import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import java.lang.reflect.Field;
import java.util.*;

/**
 * A/B inside one JVM: a static boolean switch of the engine (made non-final for the measurement) is flipped between
 * the two sides, rep by rep, so that both sides share the JIT's state and the host's phase (between JVMs, the same
 * build measured 124-163 GFLOP/s on one cache-resident problem). Per descriptor: both sides warmed, then REPS pairs
 * of training-step sequences (forward, input gradient, weight gradient), the side that goes first alternating.
 * Prints per direction the median time of each side and the median and range of the per-pair ratios A/B (> 1: B
 * faster). (Helpers from ../../session7/harness/Ab.java.)
 * args: Class.FIELD threads reps descriptors...   (A = field false, B = field true)
 */
public class Flip {
    public static void main(String[] a) throws Exception {
        int dot = a[0].lastIndexOf('.');
        Field f = Class.forName(a[0].substring(0, dot)).getDeclaredField(a[0].substring(dot + 1));
        f.setAccessible(true);
        int threads = Integer.parseInt(a[1]), reps = Integer.parseInt(a[2]);
        CpuBackend b = new CpuBackend(threads, ConvAlgorithm.valueOf(System.getProperty("algo", "AUTO")));
        int warm = Integer.getInteger("warm", 20);
        List<Object[]> problems = new ArrayList<>();
        for (int s = 3; s < a.length; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            Random r = new Random(1);
            problems.add(new Object[]{p, Ab.tensors(b, p, Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()),
                    Ab.rnd(r, (int) p.weightElements()), Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow()))});
        }
        for (int k = 0; k < warm; k++) {
            for (Object[] pr : problems) {
                for (boolean side : new boolean[]{false, true}) {
                    f.setBoolean(null, side);
                    for (int d = 0; d < 3; d++) run(b, (ConvParams) pr[0], (Object[]) pr[1], d);
                }
            }
        }
        String[] dirs = {"fwd", "dgrad", "wgrad", "f+b"};
        for (Object[] pr : problems) {
            ConvParams p = (ConvParams) pr[0];
            double[][][] ts = new double[2][4][reps];
            for (int k = 0; k < reps; k++) {
                for (int s = 0; s < 2; s++) {
                    int side = (k + s) % 2;
                    f.setBoolean(null, side == 1);
                    double tot = 0;
                    for (int d = 0; d < 3; d++) { double v = run(b, p, (Object[]) pr[1], d); ts[side][d][k] = v; tot += v; }
                    ts[side][3][k] = tot;
                }
            }
            StringBuilder sb = new StringBuilder(String.format("%-34s", p.descriptor()));
            for (int d = 0; d < 4; d++) {
                double[] ratio = new double[reps];
                for (int k = 0; k < reps; k++) ratio[k] = ts[0][d][k] / ts[1][d][k];
                Arrays.sort(ratio);
                double ma = median(ts[0][d]), mb = median(ts[1][d]);
                sb.append(String.format(" | %s A %6.2f B %6.2f ms  A/B %.2f [%.2f-%.2f]", dirs[d], ma * 1e3, mb * 1e3,
                        ratio[reps / 2], ratio[reps / 10], ratio[reps - 1 - reps / 10]));
            }
            System.out.println(sb);
        }
        b.close();
    }

    static double run(CpuBackend b, ConvParams p, Object[] t, int d) { return Ab.run(b, p, t, d); }

    static double median(double[] v) { double[] c = v.clone(); Arrays.sort(c); return c[c.length / 2]; }
}
