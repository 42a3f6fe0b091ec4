package dev.mgiad.engine.conformance;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/** Random data and tolerance-aware comparison for the operator tests. */
public final class Numerics {
    private Numerics() { }

    public static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /**
     * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, reporting the worst element. Float
     * sums of m terms of unit size err by about m * 2^-24 relative, so callers scale atol with the reduction length.
     */
    public static void assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]);
            double tol = atol + rtol * Math.abs(expected[i]);
            if (!(err <= tol)) {
                double excess = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / tol;
                if (worst < 0 || excess > worstExcess) { worst = i; worstExcess = excess; }
            }
        }
        if (worst >= 0) {
            fail(what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                    + " (tolerance " + (atol + rtol * Math.abs(expected[worst])) + ")");
        }
    }
}
