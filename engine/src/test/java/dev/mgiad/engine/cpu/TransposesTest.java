package dev.mgiad.engine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-register L x L transpose against its definition, with strides and offsets on both sides. */
class TransposesTest {
    private static final int L = Simd.LANES;

    @Test
    void aBlockIsTransposedElementByElement() {
        assertTrue(Transposes.SUPPORTED, "the test JVMs run 16 and 8 lanes, both have a transpose");
        int sStride = 3 * L, dStride = 2 * L + L, s0 = 5 * L, d0 = 7 * L;
        float[] src = new float[s0 + L * sStride], dst = new float[d0 + L * dStride];
        for (int i = 0; i < src.length; i++) src[i] = i * 0.5f + 1;
        java.util.Arrays.fill(dst, -1f);
        float[] original = src.clone(); // the source block is worked on in place
        Transposes.block(src, s0, sStride, dst, d0, dStride);
        src = original;
        for (int r = 0; r < L; r++) {
            for (int c = 0; c < L; c++) {
                assertEquals(src[s0 + r * sStride + c], dst[d0 + c * dStride + r], "element (" + r + ", " + c + ")");
            }
        }
        // nothing outside the L rows of L lanes was written
        for (int i = 0; i < dst.length; i++) {
            boolean inside = i >= d0 && (i - d0) % dStride < L && (i - d0) / dStride < L;
            if (!inside) assertEquals(-1f, dst[i], "index " + i);
        }
    }
}
