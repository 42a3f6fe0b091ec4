package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvAlgorithm;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    @Test
    void everyItemRunsExactlyOnceForAnyCut() {
        for (int threads : new int[]{1, 2, 3}) {
            try (Parallel par = new Parallel(threads)) {
                for (int n : new int[]{1, 2, 5, 17, 100}) {
                    for (int grains : new int[]{1, 2, 3, 8, 1000}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        par.forRange(n, grains, (from, to, t) -> {
                            assertTrue(from < to && t >= 0 && t < threads, from + ".." + to + " on thread " + t);
                            for (int i = from; i < to; i++) hits.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "item " + i + " of " + n + " in " + grains + " grains");
                    }
                }
            }
        }
    }

    /** A thread that stalls (as when the host takes its vCPU) holds up only its grain: the others take the rest. */
    @Test
    void aStalledThreadDoesNotHoldTheGrainsItHasNotClaimed() {
        try (Parallel par = new Parallel(2)) {
            AtomicInteger byCaller = new AtomicInteger(), byWorker = new AtomicInteger();
            par.forRange(40, 40, (from, to, t) -> {
                if (t == 1) {
                    byWorker.incrementAndGet();
                    try { Thread.sleep(200); } catch (InterruptedException e) { throw new RuntimeException(e); }
                } else {
                    byCaller.incrementAndGet();
                }
            });
            assertEquals(40, byCaller.get() + byWorker.get());
            assertTrue(byWorker.get() <= 2, "the stalled worker ran " + byWorker.get() + " of 40 grains");
        }
    }

    @Test
    void aFailureInAnyGrainReachesTheCaller() {
        try (Parallel par = new Parallel(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            var e = assertThrows(IllegalStateException.class, () -> par.forRange(16, (from, to, t) -> {
                if (from <= 9 && 9 < to) throw boom;
            }));
            assertSame(boom, e);
            AtomicInteger after = new AtomicInteger();
            par.forRange(16, (from, to, t) -> after.addAndGet(to - from));
            assertEquals(16, after.get(), "the team works after a failure");
        }
    }

    /** Results do not depend on how many threads cut the work, nor where the grains fall: 1 and 3 threads agree bit for bit. */
    @Test
    void convolutionsRepeatBitForBitOnOneAndThreeThreads() {
        ConvParams[] problems = {
                ConvParams.of(33, 16, 8, 8, 16, 3, 1, 1), ConvParams.of(33, 64, 8, 8, 64, 3, 1, 1),
                ConvParams.of(33, 16, 16, 16, 32, 3, 2, 1), ConvParams.of(17, 64, 16, 16, 8, 1, 1, 1),
                ConvParams.of(17, 8, 16, 16, 16, 1, 2, 1), ConvParams.of(33, 16, 8, 8, 16, 3, 1, 4),
                ConvParams.of(33, 64, 16, 16, 64, 3, 1, 1), // Winograd F(4x4,3x3) in all three directions
                ConvParams.of(128, 64, 8, 8, 64, 3, 1, 1)}; // F(2x2) weight gradient in slices of 128 tiles
        try (CpuBackend one = new CpuBackend(1, ConvAlgorithm.AUTO); CpuBackend three = new CpuBackend(3, ConvAlgorithm.AUTO)) {
            for (ConvParams p : problems) {
                float[][] a = run(one, p), b = run(three, p);
                for (int k = 0; k < 3; k++) assertArrayEquals(a[k], b[k], p.descriptor() + " direction " + k);
            }
        }
    }

    private static float[][] run(CpuBackend be, ConvParams p) {
        Random r = new Random(7);
        Tensor x = act(be, r, p.n(), p.cin(), p.h(), p.w()), dy = act(be, r, p.n(), p.cout(), p.oh(), p.ow());
        Tensor w = be.allocate(Shape.of(p.cout(), p.cinPerGroup(), p.k(), p.k()), Layout.PLAIN);
        be.upload(gauss(r, (int) p.weightElements()), w);
        Tensor y = be.allocate(dy.shape(), Layout.BATCH_BLOCKED), dx = be.allocate(x.shape(), Layout.BATCH_BLOCKED);
        Tensor dw = be.allocate(w.shape(), Layout.PLAIN);
        be.convForward(p, x, w, y, null, 1f);
        be.convBackwardData(p, dy, w, dx, 1f, false);
        be.convBackwardWeights(p, x, dy, dw, 1f, false);
        return new float[][]{be.download(y), be.download(dx), be.download(dw)};
    }

    private static Tensor act(CpuBackend be, Random r, int n, int c, int h, int w) {
        Tensor t = be.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED);
        be.upload(gauss(r, n * c * h * w), t);
        return t;
    }

    private static float[] gauss(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) r.nextGaussian();
        return f;
    }
}
