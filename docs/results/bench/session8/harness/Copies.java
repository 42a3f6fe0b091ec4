import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import java.util.*;

/**
 * Is a kernel's speed a property of where its arrays lie? Allocates COPIES sets of the same tensors (same values),
 * then times one direction on each set, interleaved set by set for REPS rounds; prints each set's median.
 * A set that is steadily fast or slow across rounds points at the arrays' placement (alignment, cache sets), not
 * at the host or the JIT. args: threads reps copies dir descriptor
 */
public class Copies {
    public static void main(String[] a) {
        int threads = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]), copies = Integer.parseInt(a[2]), d = Integer.parseInt(a[3]);
        CpuBackend b = new CpuBackend(threads, ConvAlgorithm.valueOf(System.getProperty("algo", "DIRECT")));
        ConvParams p = ConvParams.parse(a[4]);
        Random r = new Random(1);
        float[] x = Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), w = Ab.rnd(r, (int) p.weightElements()), dy = Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow());
        Object[][] t = new Object[copies][];
        List<byte[]> pad = new ArrayList<>();
        for (int c = 0; c < copies; c++) { t[c] = Ab.tensors(b, p, x, w, dy); pad.add(new byte[16 + 8 * c]); }
        double[][] ts = new double[copies][reps];
        for (int k = 0; k < 3; k++) for (int c = 0; c < copies; c++) Ab.run(b, p, t[c], d);
        for (int k = 0; k < reps; k++) for (int c = 0; c < copies; c++) ts[c][k] = Ab.run(b, p, t[c], d);
        StringBuilder sb = new StringBuilder(p.descriptor() + " dir " + d + " medians ms by copy:");
        for (int c = 0; c < copies; c++) {
            double[] s = ts[c].clone(); Arrays.sort(s);
            sb.append(String.format(" %.2f[%.2f..%.2f]", s[reps / 2] * 1e3, s[0] * 1e3, s[reps - 1] * 1e3));
        }
        System.out.println(sb);
        b.close();
    }
}
