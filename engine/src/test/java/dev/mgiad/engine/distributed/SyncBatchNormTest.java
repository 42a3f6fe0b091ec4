package dev.mgiad.engine.distributed;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.CrossRankSum;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static dev.mgiad.engine.conformance.Numerics.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synchronised batch norm: P ranks, each with a shard of the batch, compute what one process computes on the whole
 * batch (outputs, saved statistics, running statistics, input gradients; the ranks' parameter gradients sum to the
 * whole batch's). The ranks are threads joined by {@link ThreadRanks}. Uneven shards, batch padding lanes, ReLU and a
 * residual are all exercised; shards of whole batch blocks give one process's results bit for bit.
 */
class SyncBatchNormTest {
    private static final int C = 5, H = 3, W = 4, HW = H * W;

    /** What one rank (or the single process) produced for its images. */
    private record Out(float[] y, float[] mean, float[] invStd, float[] runMean, float[] runVar, float[] dx,
                       float[] dgamma, float[] dbeta) { }

    private static Out run(float[] x, float[] residual, float[] dy, int n, float[] gamma, float[] beta, CrossRankSum ranks) {
        try (Backend be = new CpuBackend(1)) {
            Tensor tx = act(be, x, n), tr = act(be, residual, n), ty = be.allocate(Shape.of(n, C, H, W), Layout.BATCH_BLOCKED);
            Tensor tg = vec(be, gamma), tb = vec(be, beta), rm = vec(be, new float[C]), rv = vec(be, filled(1f));
            Tensor sm = vec(be, new float[C]), si = vec(be, new float[C]), dg = vec(be, new float[C]), db = vec(be, new float[C]);
            Tensor tdy = act(be, dy, n), tdx = be.allocate(Shape.of(n, C, H, W), Layout.BATCH_BLOCKED);
            be.batchNormTrain(tx, tg, tb, rm, rv, 0.1f, 1e-5f, sm, si, true, tr, ty, ranks);
            be.batchNormBackward(tx, tg, tb, sm, si, true, tdy, tdx, false, dg, db, false, ranks);
            return new Out(be.download(ty), be.download(sm), be.download(si), be.download(rm), be.download(rv),
                    be.download(tdx), be.download(dg), be.download(db));
        }
    }

    private static Tensor act(Backend be, float[] v, int n) {
        Tensor t = be.allocate(Shape.of(n, C, H, W), Layout.BATCH_BLOCKED);
        be.upload(v, t);
        return t;
    }

    private static Tensor vec(Backend be, float[] v) {
        Tensor t = be.allocate(Shape.of(C), Layout.PLAIN);
        be.upload(v, t);
        return t;
    }

    private static float[] filled(float v) {
        float[] a = new float[C];
        Arrays.fill(a, v);
        return a;
    }

    private static float[] slice(float[] a, int from, int to) { return Arrays.copyOfRange(a, from * C * HW, to * C * HW); }

    private static List<Out> shards(int[] sizes, float[] x, float[] res, float[] dy, float[] gamma, float[] beta,
                                    boolean synchronised) throws Exception {
        ThreadRanks ranks = new ThreadRanks(sizes.length);
        ExecutorService pool = Executors.newFixedThreadPool(sizes.length);
        try {
            List<Future<Out>> fs = new ArrayList<>();
            int from = 0;
            for (int r = 0; r < sizes.length; r++) {
                int a = from, b = from + sizes[r], rank = r;
                fs.add(pool.submit(() -> run(slice(x, a, b), slice(res, a, b), slice(dy, a, b), b - a, gamma, beta,
                        synchronised ? ranks.rank(rank) : null)));
                from = b;
            }
            List<Out> outs = new ArrayList<>();
            for (Future<Out> f : fs) outs.add(f.get());
            return outs;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shardsWithSynchronisedStatisticsComputeWhatOneProcessComputes() throws Exception {
        int[] sizes = {20, 13, 7}; // 20 spans two batch blocks with padding lanes; uneven shards
        int n = Arrays.stream(sizes).sum();
        Random rnd = new Random(7);
        float[] x = random(rnd, n * C * HW), res = random(rnd, n * C * HW), dy = random(rnd, n * C * HW);
        for (int i = 0; i < x.length; i++) x[i] = 3 * x[i] + (i / HW % C); // per-channel offsets: means matter
        float[] gamma = random(rnd, C), beta = random(rnd, C);
        Out whole = run(x, res, dy, n, gamma, beta, null);
        List<Out> parts = shards(sizes, x, res, dy, gamma, beta, true);
        float[] dgSum = new float[C], dbSum = new float[C];
        int from = 0;
        for (int r = 0; r < sizes.length; r++) {
            Out o = parts.get(r);
            int to = from + sizes[r];
            assertClose("rank " + r + " y", slice(whole.y(), from, to), o.y(), 1e-5, 1e-5);
            assertClose("rank " + r + " dx", slice(whole.dx(), from, to), o.dx(), 1e-4, 1e-5);
            assertClose("rank " + r + " saved mean", whole.mean(), o.mean(), 1e-6, 1e-6);
            assertClose("rank " + r + " saved 1/std", whole.invStd(), o.invStd(), 1e-6, 1e-6);
            assertClose("rank " + r + " running mean", whole.runMean(), o.runMean(), 1e-6, 1e-6);
            assertClose("rank " + r + " running var", whole.runVar(), o.runVar(), 1e-6, 1e-6);
            for (int c = 0; c < C; c++) {
                dgSum[c] += o.dgamma()[c];
                dbSum[c] += o.dbeta()[c];
            }
            from = to;
        }
        assertClose("sum of the ranks' dgamma", whole.dgamma(), dgSum, 1e-5, 1e-5);
        assertClose("sum of the ranks' dbeta", whole.dbeta(), dbSum, 1e-5, 1e-5);

        // the tolerance above can fail: per-rank statistics (the default without --sync-bn) differ from the whole batch's
        List<Out> local = shards(sizes, x, res, dy, gamma, beta, false);
        float worst = 0;
        float[] y2 = local.get(2).y(), want = slice(whole.y(), sizes[0] + sizes[1], n);
        for (int i = 0; i < y2.length; i++) worst = Math.max(worst, Math.abs(y2[i] - want[i]));
        assertTrue(worst > 1e-2, "per-rank statistics should differ visibly, max difference " + worst);
    }

    @Test
    void shardsOfWholeBatchBlocksGiveOneProcessesBitsExactly() throws Exception {
        // multiples of 16 lanes (and of 8, the second test run's width): each rank's blocks are blocks of the whole
        int[] sizes = {32, 16, 16};
        int n = Arrays.stream(sizes).sum();
        Random rnd = new Random(8);
        float[] x = random(rnd, n * C * HW), res = random(rnd, n * C * HW), dy = random(rnd, n * C * HW);
        for (int i = 0; i < x.length; i++) x[i] = 3 * x[i] + (i / HW % C) * 10;
        float[] gamma = random(rnd, C), beta = random(rnd, C);
        Out whole = run(x, res, dy, n, gamma, beta, null);
        List<Out> parts = shards(sizes, x, res, dy, gamma, beta, true);
        float[] dgSum = new float[C], dbSum = new float[C];
        int from = 0;
        for (int r = 0; r < sizes.length; r++) {
            Out o = parts.get(r);
            int to = from + sizes[r];
            assertArrayEquals(slice(whole.y(), from, to), o.y(), "rank " + r + " y");
            assertArrayEquals(slice(whole.dx(), from, to), o.dx(), "rank " + r + " dx");
            assertArrayEquals(whole.mean(), o.mean(), "rank " + r + " saved mean");
            assertArrayEquals(whole.invStd(), o.invStd(), "rank " + r + " saved 1/std");
            assertArrayEquals(whole.runMean(), o.runMean(), "rank " + r + " running mean");
            assertArrayEquals(whole.runVar(), o.runVar(), "rank " + r + " running var");
            for (int c = 0; c < C; c++) {
                dgSum[c] += o.dgamma()[c];
                dbSum[c] += o.dbeta()[c];
                if (r > 0) assertEquals(0f, o.dgamma()[c], "rank 0 alone holds the parameter gradients");
            }
            from = to;
        }
        // what the gradient all-reduce adds up: exactly one process's parameter gradients
        assertArrayEquals(whole.dgamma(), dgSum, "sum of the ranks' dgamma");
        assertArrayEquals(whole.dbeta(), dbSum, "sum of the ranks' dbeta");
    }
}
