package dev.mgiad.model;

/**
 * The spec's closed-form weight counts, written out again here, independently of the model code, so that the tests
 * compare two derivations: sections 5 (MgNet), 6.5 (MGiaD) and a direct count for MGIC (section 7).
 */
final class ClosedForms {
    private ClosedForms() { }

    /** Spec 6.5, S = eta_pre + eta_post. */
    static long mgiad(int in, int classes, int[] base, int lambda, int ck, int gs, int pre, int post) {
        int s = pre + post;
        int[] c = new int[base.length];
        for (int l = 0; l < c.length; l++) c[l] = base[l] * lambda;
        long w = 9L * in * c[0] + 2L * c[0];   // stem
        w += 18L * c[0];                       // dead level-1 Pi/R
        for (int l = 1; l < c.length; l++) w += 18L * c[l];
        for (int cl : c) {
            int k = cl;
            while (k % 2 == 0 && k / 2 >= ck) {   // non-coarsest channel levels
                w += 18L * gs * k + 4L * s * k + 3L * k;
                k /= 2;
            }
            w += 18L * k * k + 4L * s * k;         // dense coarsest level
        }
        return w + (long) (c[c.length - 1] + 1) * classes;
    }

    /** Spec 5: nA, nB = number of distinct A and B tensors per level; q = in-group channels (c when dense). */
    static long mgnet(int in, int classes, int[] c, int nu, int nA, int nB, int gs) {
        long w = 9L * in * c[0] + 2L * c[0] + 18L * c[0];
        for (int l = 1; l < c.length; l++) w += 18L * c[l];
        for (int cl : c) {
            int q = gs == 0 ? cl : gs;
            w += (long) (nA + nB) * 9 * cl * q + 4L * nu * cl;
        }
        return w + (long) (c[c.length - 1] + 1) * classes;
    }

    /** MGIC (spec 7): connector, down R's, up P's with BN, grouped residual steps, dense coarsest step. */
    static long mgic(int in, int classes, int[] c, int blocks, int g, int cfc) {
        long w = 9L * in * c[0] + 2L * c[0];
        int prev = c[0];
        for (int l = 0; l < c.length; l++) {
            for (int b = 0; b < blocks; b++) {
                if (prev != c[l] || (b == 0 && l > 0)) w += 9L * c[l] + 2L * c[l];  // depthwise [c,1,3,3] + BN
                int k = c[l];
                do {
                    int groups = Math.max(k / g, 1);
                    w += (long) (k / 2) * (k / groups);       // R: [k/2, k/groups, 1, 1]
                    w += (long) k * (k / 2 / groups);         // P: [k, (k/2)/groups, 1, 1]
                    w += 2L * k;                              // BN after P
                    w += 2L * 9 * k * (k / groups) + 4L * k;  // two grouped 3x3 + two BN
                    k /= 2;
                } while (k >= cfc);
                w += 2L * 9 * k * k + 4L * k;                 // dense coarsest step
                prev = c[l];
            }
        }
        return w + (long) (c[c.length - 1] + 1) * classes;
    }
}
