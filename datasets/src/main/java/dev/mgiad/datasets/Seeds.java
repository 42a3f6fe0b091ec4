package dev.mgiad.datasets;

import java.util.SplittableRandom;

/**
 * Derives every random seed of the input pipeline from (run seed, epoch, sample).
 *
 * <p>Seeds are computed, never drawn in sequence from a shared generator, so the augmentation of a
 * sample does not depend on which thread handled which sample first, nor on the batch size, and a
 * resumed run can recreate any epoch exactly. The mixing function is the SplitMix64 finalizer,
 * whose outputs for neighbouring inputs are effectively independent.
 */
public final class Seeds {
    private static final long SHUFFLE_SALT = 0x5DEECE66DL;
    private static final long SAMPLE_SALT = 0x2545F4914F6CDD1DL;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Seeds() {}

    /** The seed for the augmentation of dataset image {@code index} in {@code epoch}. */
    public static long sample(long seed, int epoch, int index) {
        return mix(mix(mix(seed ^ SAMPLE_SALT) + GOLDEN * (epoch + 1L)) + GOLDEN * (index + 1L));
    }

    /** The seed for the shuffle of {@code epoch}. */
    public static long shuffle(long seed, int epoch) {
        return mix(mix(seed ^ SHUFFLE_SALT) + GOLDEN * (epoch + 1L));
    }

    /** The visiting order of an epoch: a seeded Fisher-Yates permutation, or 0..n-1 when not shuffling. */
    public static int[] order(int n, boolean shuffle, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom r = new SplittableRandom(shuffle(seed, epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
