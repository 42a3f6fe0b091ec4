import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.optim.Sgd;
import dev.mgiad.model.*;
import java.util.*;
/** Fused and unfused MGiaD training steps interleaved in one JVM (see interleaved-under-load.md). */
public class InterleavedAb {
    public static void main(String[] a) {
        if (a.length != 2 || Integer.parseInt(a[1]) < 3) {
            System.err.println("usage: InterleavedAb.java CK ROUNDS (ROUNDS >= 3: the first 2 rounds are warm-up)");
            System.exit(2);
        }
        int ck = Integer.parseInt(a[0]), rounds = Integer.parseInt(a[1]);
        CpuBackend be = new CpuBackend(2);
        ModelConfig c = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withCk(ck).withGs(4);
        Model m = Models.build(c, be, 1);
        int n = 128, size = 32;
        Random r = new Random(1);
        float[] x = new float[n * 3 * size * size];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
        Graph[] gs = {new Graph(be), new Graph(be)};
        gs[0].setFusion(false); gs[1].setFusion(true);
        Sgd sgd = new Sgd(be, m.root().parameters(), 0.01f, 0.9f, 1e-4f, false);
        List<List<Double>> t = List.of(new ArrayList<>(), new ArrayList<>()), tf = List.of(new ArrayList<>(), new ArrayList<>()), tb = List.of(new ArrayList<>(), new ArrayList<>());
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < 2; k++) {
                int kk = (round % 2 == 0) ? k : 1 - k;
                Graph g = gs[kk];
                long t0 = System.nanoTime();
                g.crossEntropy(m.forward(g, g.input(x, n, 3, size, size)), labels, 0f);
                long t1 = System.nanoTime();
                g.backward();
                long t2 = System.nanoTime();
                sgd.step(); sgd.zeroGrad(); g.reset();
                long t3 = System.nanoTime();
                if (round >= 2) { t.get(kk).add((t3 - t0) / 1e6); tf.get(kk).add((t1 - t0) / 1e6); tb.get(kk).add((t2 - t1) / 1e6); }
            }
        }
        String[] names = {"unfused", "fused"};
        for (int k = 0; k < 2; k++) System.out.printf("ck=%d %s: step median %.0f ms (fwd %.0f, bwd %.0f) all %s%n", ck, names[k], med(t.get(k)), med(tf.get(k)), med(tb.get(k)), t.get(k).stream().map(v -> String.format("%.0f", v)).toList());
        be.close();
    }
    static double med(List<Double> l) { double[] v = l.stream().mapToDouble(d -> d).sorted().toArray(); return v[v.length / 2]; }
}
