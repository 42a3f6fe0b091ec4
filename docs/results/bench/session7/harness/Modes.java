import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import java.util.*;
/** Per segment of 6 calls, the median; a System.gc() between segments (moves young scratch arrays). */
public class Modes {
    public static void main(String[] a) {
        CpuBackend B = new CpuBackend(2, ConvAlgorithm.valueOf(System.getProperty("algo", "DIRECT")));
        ConvParams p = ConvParams.parse(a[0]);
        int d = Integer.parseInt(a[1]);
        Random r = new Random(1);
        float[] x = Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), w = Ab.rnd(r, (int) p.weightElements()), dy = Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow());
        Object[] t = Ab.tensors(B, p, x, w, dy);
        for (int k = 0; k < 20; k++) Ab.run(B, p, t, d);
        StringBuilder sb = new StringBuilder(a[0] + " dir " + d + " segments:");
        for (int s = 0; s < 14; s++) {
            double[] v = new double[6];
            for (int k = 0; k < 6; k++) v[k] = Ab.run(B, p, t, d) * 1e3;
            Arrays.sort(v);
            sb.append(String.format(" %.1f", v[3]));
            System.gc();
        }
        System.out.println(sb);
        B.close();
    }
}
