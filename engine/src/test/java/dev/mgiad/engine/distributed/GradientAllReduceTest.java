package dev.mgiad.engine.distributed;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.nn.BatchNorm2d;
import dev.mgiad.engine.nn.Conv2d;
import dev.mgiad.engine.nn.Linear;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static dev.mgiad.engine.conformance.Numerics.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient buckets: after {@link GradientAllReduce#finish()} every gradient holds the sum over ranks, buckets start
 * while the backward pass still runs, a weight shared by two call sites is sent only once it is final, and every
 * step issues the same collectives in the same order. The "ranks" are one process whose communicator sums two
 * copies of the buffer (what two ranks with the same gradients would get).
 */
class GradientAllReduceTest {

    /** Stem, BN, a conv applied twice (shared weight), pooling and a linear head. */
    static final class Net extends Module {
        final Conv2d stem, shared;
        final BatchNorm2d bn;
        final Linear fc;

        Net(Backend be) {
            super(be);
            SplittableRandom rng = new SplittableRandom(3);
            stem = child("stem", new Conv2d(be, rng, 2, 8, 3, 1, 1));
            bn = child("bn", new BatchNorm2d(be, 8));
            shared = child("shared", new Conv2d(be, rng, 8, 8, 3, 1, 2));
            fc = child("fc", new Linear(be, rng, 8, 4));
        }

        Var forward(Graph g, Var x) {
            Var h = g.batchNorm(bn, g.conv(stem, x), true, null);
            h = g.relu(g.conv(shared, g.relu(g.conv(shared, h))));
            return g.linear(fc, g.globalAvgPool(h));
        }
    }

    /** Doubles each buffer (two identical ranks) and records when each collective started. */
    static final class TwoIdenticalRanks implements Communicator {
        final List<Integer> sizes = new ArrayList<>();
        final List<Boolean> duringBackward = new ArrayList<>();
        boolean inBackward;

        @Override public int rank() { return 0; }
        @Override public int size() { return 2; }

        @Override
        public Pending allReduceFloatsAsync(MemorySegment floats, int count) {
            sizes.add(count);
            duringBackward.add(inBackward);
            for (int i = 0; i < count; i++) {
                floats.setAtIndex(ValueLayout.JAVA_FLOAT, i, 2 * floats.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
            return () -> { };
        }

        @Override public void sumInPlace(double[] values) { for (int i = 0; i < values.length; i++) values[i] *= 2; }
        @Override public void broadcastFloats(MemorySegment floats, int count, int root) { }
        @Override public void barrier() { }
        @Override public void abort(int code) { throw new AssertionError("abort " + code); }
        @Override public void close() { }
    }

    private static Map<String, float[]> step(Backend be, Net net, Graph g, float[] x, int[] labels,
                                             GradientAllReduce reduce, TwoIdenticalRanks comm) {
        var out = net.forward(g, g.input(x, labels.length, 2, 6, 6));
        g.crossEntropy(out, labels, 0f);
        if (comm != null) comm.inBackward = true;
        g.backward();
        if (comm != null) comm.inBackward = false;
        if (reduce != null) reduce.finish();
        Map<String, float[]> grads = new java.util.LinkedHashMap<>();
        for (var e : net.namedParameters().entrySet()) grads.put(e.getKey(), be.download(e.getValue().grad(be)));
        for (Parameter p : net.parameters()) p.zeroGrad();
        g.reset();
        return grads;
    }

    @Test
    void bucketsSumEveryGradientAndStartDuringTheBackwardPass() {
        try (Backend be = new CpuBackend(1)) {
            Random r = new Random(5);
            float[] x = random(r, 20 * 2 * 36);
            int[] labels = new int[20];
            for (int i = 0; i < labels.length; i++) labels[i] = r.nextInt(4);
            Net plainNet = new Net(be);
            Map<String, float[]> plain = step(be, plainNet, new Graph(be), x, labels, null, null);

            Net net = new Net(be);
            TwoIdenticalRanks comm = new TwoIdenticalRanks();
            Graph g = new Graph(be);
            // 200 bytes: the stem (144 floats) and the shared conv (288) get buckets of their own; BN and fc share
            try (GradientAllReduce reduce = new GradientAllReduce(comm, be, net.parameters(), 200, true)) {
                reduce.attach(g);
                for (int s = 0; s < 3; s++) {
                    comm.sizes.clear();
                    comm.duringBackward.clear();
                    Map<String, float[]> summed = step(be, net, g, x, labels, reduce, comm);
                    for (var e : plain.entrySet()) {
                        float[] twice = e.getValue().clone();
                        for (int i = 0; i < twice.length; i++) twice[i] *= 2;
                        assertClose("step " + s + " " + e.getKey(), twice, summed.get(e.getKey()), 1e-6, 1e-7);
                    }
                    long total = comm.sizes.stream().mapToLong(Integer::longValue).sum();
                    assertEquals(net.weightCount(), total, "every weight is sent exactly once per step");
                    if (s == 0) {
                        assertTrue(comm.duringBackward.stream().noneMatch(b -> b), "the first step learns the order after backward");
                    } else {
                        assertTrue(comm.duringBackward.get(0), "the first bucket starts while backward still runs");
                        assertTrue(reduce.bucketCount() >= 3, "buckets: " + reduce.bucketCount());
                    }
                }
                assertEquals(4L * net.weightCount(), reduce.bytesPerStep());
                // readiness order: fc (last in forward) first; the shared conv only after its first use, before the stem
                assertEquals(List.of(net.fc.weight.elements() + net.fc.bias.elements(), net.shared.weight.elements(),
                                net.bn.gamma.elements() + net.bn.beta.elements(), net.stem.weight.elements()),
                        comm.sizes.stream().map(Integer::longValue).toList());
            }
        }
    }
}
