package dev.mgiad.engine.distributed;

import dev.mgiad.engine.backend.CrossRankSum;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * P ranks as P threads of one JVM, for tests of the synchronised operators without MPI: {@link #rank(int)} is the
 * {@link CrossRankSum} of one rank; each call waits for all P threads and returns the element-wise totals, summed in
 * rank order.
 */
public final class ThreadRanks {
    private final int size;
    private final CyclicBarrier barrier;
    private final double[][] contributions;
    private double[] totals;

    public ThreadRanks(int size) {
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.contributions = new double[size][];
    }

    public CrossRankSum rank(int r) {
        return new CrossRankSum() {
            @Override public int rank() { return r; }

            @Override public int size() { return size; }

            @Override
            public void sumInPlace(double[] values) {
                contributions[r] = values.clone();
                await();
                if (r == 0) {
                    totals = new double[values.length];
                    for (double[] c : contributions) for (int i = 0; i < c.length; i++) totals[i] += c[i];
                }
                await();
                System.arraycopy(totals, 0, values, 0, values.length);
                await(); // nobody starts the next sum before everyone read this one
            }
        };
    }

    private void await() {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("thread ranks out of step: " + e);
        }
    }

    public int size() { return size; }
}
