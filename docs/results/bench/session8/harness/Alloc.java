import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import java.lang.management.ManagementFactory;
import java.util.*;

/**
 * Bytes the JVM's threads allocate per call of each direction, after warm-up (a kernel whose vectors C2 boxes
 * allocates in proportion to its work; a clean one only its small buffers). args: threads descriptors...
 */
public class Alloc {
    public static void main(String[] a) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        CpuBackend b = new CpuBackend(Integer.parseInt(a[0]), ConvAlgorithm.valueOf(System.getProperty("algo", "AUTO")));
        for (int s = 1; s < a.length; s++) {
            ConvParams p = ConvParams.parse(a[s]);
            Random r = new Random(1);
            float[] x = Ab.rnd(r, p.n() * p.cin() * p.h() * p.w()), w = Ab.rnd(r, (int) p.weightElements()), dy = Ab.rnd(r, p.n() * p.cout() * p.oh() * p.ow());
            Object[] t = Ab.tensors(b, p, x, w, dy);
            StringBuilder sb = new StringBuilder(String.format("%-34s", p.descriptor()));
            for (int d = 0; d < 3; d++) {
                for (int k = 0; k < 20; k++) Ab.run(b, p, t, d);
                long before = total(mx);
                for (int k = 0; k < 10; k++) Ab.run(b, p, t, d);
                sb.append(String.format(" | dir %d: %,d bytes/call", d, (total(mx) - before) / 10));
            }
            System.out.println(sb);
        }
        b.close();
    }
    static long total(com.sun.management.ThreadMXBean mx) {
        long sum = 0;
        for (long v : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (v > 0) sum += v;
        return sum;
    }
}
