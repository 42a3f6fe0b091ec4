import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.tensor.*;
import java.util.*;
public class Seq {
    public static void main(String[] a) {
        CpuBackend B = new CpuBackend(Integer.parseInt(a[0]), ConvAlgorithm.valueOf(System.getProperty("algo", "WINOGRAD")));
        ConvParams p = ConvParams.parse(a[1]);
        Random r = new Random(1);
        float[] x = Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), w = Ab.rnd(r, (int) p.weightElements()), dy = Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow());
        Object[] t = Ab.tensors(B, p, x, w, dy);
        for (int s = 2; s < a.length; s++) {
            int d = Integer.parseInt(a[s]);
            StringBuilder sb = new StringBuilder("dir " + d + ":");
            for (int k = 0; k < 8; k++) sb.append(String.format(" %.1f@%d", Ab.run(B, p, t, d) * 1e3, java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime()));
            System.out.println(sb);
        }
        B.close();
    }
}
