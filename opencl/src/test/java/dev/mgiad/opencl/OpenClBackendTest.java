package dev.mgiad.opencl;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.ref.Reference;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static dev.mgiad.engine.conformance.Numerics.assertClose;
import static dev.mgiad.engine.conformance.Numerics.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the conformance suite does not cover: determinism, program caching, ownership and lifetime of tensors; on
 * every device {@link TestDevice#all()} lists.
 */
@ParameterizedClass(name = "{0}", allowZeroInvocations = true)
@MethodSource("dev.mgiad.opencl.TestDevice#named")
class OpenClBackendTest {

    @Parameter OpenCl.DeviceInfo device;

    /** Shared by the tests that need no special backend, so that its programs are built once per device. */
    private static OpenClBackend shared;

    @BeforeAll
    static void requireOpenCl() { TestDevice.assumeOpenCl(); }

    @BeforeParameterizedClassInvocation
    static void open(OpenCl.DeviceInfo device) { shared = new OpenClBackend(device); }

    @AfterParameterizedClassInvocation
    static void close() {
        if (shared != null) shared.close();
        shared = null;
    }

    private static Tensor act(OpenClBackend b, Random r, int n, int c, int h, int w) {
        Tensor t = b.allocate(Shape.of(n, c, h, w), Layout.BATCH_BLOCKED);
        b.upload(random(r, n * c * h * w), t);
        return t;
    }

    /** No float atomics anywhere: the reductions (split weight gradient, batch norm) repeat bit for bit. */
    @Test
    void reductionsAreDeterministic() {
        OpenClBackend b = shared;
        Random r = new Random(1);
        ConvParams p = ConvParams.of(40, 4, 6, 6, 8, 3, 1, 4);
        Tensor x = act(b, r, 40, 4, 6, 6), dy = act(b, r, 40, 8, 6, 6);
        Tensor dw = b.allocate(Shape.of(8, 1, 3, 3), Layout.PLAIN);
        b.convBackwardWeights(p, x, dy, dw, 1f, false);
        float[] first = b.download(dw);
        Tensor g = b.allocate(Shape.of(8), Layout.PLAIN), be = b.allocate(Shape.of(8), Layout.PLAIN);
        Tensor rm = b.allocate(Shape.of(8), Layout.PLAIN), rv = b.allocate(Shape.of(8), Layout.PLAIN);
        Tensor sm = b.allocate(Shape.of(8), Layout.PLAIN), si = b.allocate(Shape.of(8), Layout.PLAIN);
        Tensor dg = b.allocate(Shape.of(8), Layout.PLAIN), db = b.allocate(Shape.of(8), Layout.PLAIN);
        Tensor y = b.allocate(dy.shape(), Layout.BATCH_BLOCKED), dx = b.allocate(dy.shape(), Layout.BATCH_BLOCKED);
        b.upload(random(r, 8), g);
        b.batchNormTrain(dy, g, be, rm, rv, 0.1f, 1e-5f, sm, si, true, null, y);
        b.batchNormBackward(dy, g, be, sm, si, true, y, dx, false, dg, db, false);
        float[] firstDx = b.download(dx), firstY = b.download(y), firstDg = b.download(dg);
        for (int i = 0; i < 3; i++) {
            b.convBackwardWeights(p, x, dy, dw, 1f, false);
            assertArrayEquals(first, b.download(dw));
            b.batchNormTrain(dy, g, be, rm, rv, 0.1f, 1e-5f, sm, si, true, null, y);
            b.batchNormBackward(dy, g, be, sm, si, true, y, dx, false, dg, db, false);
            assertArrayEquals(firstY, b.download(y));
            assertArrayEquals(firstDx, b.download(dx));
            assertArrayEquals(firstDg, b.download(dg));
        }
    }

    @Test
    void programsAreBuiltOncePerOptions() {
        OpenClBackend b = shared;
        Random r = new Random(2);
        Tensor x = act(b, r, 3, 8, 5, 5), y = b.allocate(Shape.of(3, 8, 5, 5), Layout.BATCH_BLOCKED);
        Tensor w = b.allocate(Shape.of(8, 8, 3, 3), Layout.PLAIN);
        b.convForward(ConvParams.of(3, 8, 5, 5, 8, 3, 1, 1), x, w, y, null, 1f);
        b.axpby(1f, x, 1f, y, true, y);
        int built = b.programCount();
        // other sizes, same K, stride and channel blocking: no new build
        Tensor x2 = act(b, r, 20, 8, 9, 7), y2 = b.allocate(Shape.of(20, 8, 9, 7), Layout.BATCH_BLOCKED);
        b.convForward(ConvParams.of(20, 8, 9, 7, 8, 3, 1, 1), x2, w, y2, null, 1f);
        b.axpby(2f, x2, 0f, null, false, y2);
        b.sync();
        assertEquals(built, b.programCount(), b.buildStats());
    }

    @Test
    void foreignAndClosedTensorsAreRejected() {
        Tensor kept;
        try (OpenClBackend b = new OpenClBackend(device); CpuBackend cpu = new CpuBackend(1)) {
            Tensor onCpu = cpu.allocate(Shape.of(2, 3, 4, 4), Layout.BATCH_BLOCKED);
            Tensor here = b.allocate(Shape.of(2, 3, 4, 4), Layout.BATCH_BLOCKED);
            var e = assertThrows(IllegalArgumentException.class, () -> b.copy(onCpu, here));
            assertTrue(e.getMessage().contains("does not live on this OpenCL backend"), e.getMessage());
            try (OpenClBackend other = new OpenClBackend(device)) {
                Tensor there = other.allocate(Shape.of(2, 3, 4, 4), Layout.BATCH_BLOCKED);
                assertThrows(IllegalArgumentException.class, () -> b.copy(there, here));
            }
            kept = here;
            b.close();
            var c = assertThrows(IllegalStateException.class, () -> b.download(kept));
            assertTrue(c.getMessage().contains("closed"), c.getMessage());
        }
    }

    /**
     * Shapes outside the conformance suite's K in {1, 3} with "same" padding: 5x5, 7x7 (49 weight-gradient sums
     * per work-item, reduced in two passes of the local-memory tree) and a convolution without padding.
     */
    @Test
    void otherKernelSizesAndPaddingsMatchReference() {
        OpenClBackend b = shared;
        Random r = new Random(5);
        for (ConvParams p : new ConvParams[]{new ConvParams(3, 4, 9, 8, 6, 5, 1, 2, 2),
                new ConvParams(18, 2, 11, 9, 4, 7, 2, 3, 2), new ConvParams(2, 3, 6, 7, 5, 3, 1, 0, 1)}) {
            float[] x = random(r, p.n() * p.cin() * p.h() * p.w()), w = random(r, (int) p.weightElements());
            float[] dy = random(r, p.n() * p.cout() * p.oh() * p.ow());
            Tensor tx = b.allocate(Shape.of(p.n(), p.cin(), p.h(), p.w()), Layout.BATCH_BLOCKED);
            Tensor tw = b.allocate(Shape.of(p.cout(), p.cinPerGroup(), p.k(), p.k()), Layout.PLAIN);
            Tensor ty = b.allocate(Shape.of(p.n(), p.cout(), p.oh(), p.ow()), Layout.BATCH_BLOCKED);
            Tensor tdx = b.allocate(tx.shape(), Layout.BATCH_BLOCKED), tdw = b.allocate(tw.shape(), Layout.PLAIN);
            b.upload(x, tx);
            b.upload(w, tw);
            b.convForward(p, tx, tw, ty, null, 1f);
            double tol = 1e-5 * p.cinPerGroup() * p.taps();
            assertClose("forward " + p.descriptor(), Reference.convForward(p, x, w), b.download(ty), 1e-4, tol);
            b.upload(dy, ty);
            b.convBackwardData(p, ty, tw, tdx, 1f, false);
            assertClose("backward data " + p.descriptor(), Reference.convBackwardData(p, dy, w), b.download(tdx),
                    1e-4, 1e-5 * p.coutPerGroup() * p.taps());
            b.convBackwardWeights(p, tx, ty, tdw, 1f, false);
            assertClose("backward weights " + p.descriptor(), Reference.convBackwardWeights(p, x, dy),
                    b.download(tdw), 1e-4, 1e-5 * p.n() * p.oh() * p.ow());
        }
    }

    /** The sum of squares covers the whole storage, so it equals the downloaded (unpadded) one only if padding is zero. */
    private static void assertPaddingZero(OpenClBackend b, String what, Tensor t) {
        double expect = 0;
        for (float v : b.download(t)) expect += (double) v * v;
        assertEquals(expect, b.sumOfSquares(t), 1e-5 * expect, what + ": padding lanes are not zero");
    }

    /** Every operator that writes an activation leaves the padding lanes of a partial batch block at zero. */
    @Test
    void operatorsKeepPaddingLanesZero() {
        OpenClBackend b = shared;
        Random r = new Random(4);
        int n = 19, c = 4;
        Tensor x = act(b, r, n, c, 5, 5), base = act(b, r, n, 8, 3, 3), y = act(b, r, n, 8, 3, 3);
        Tensor w = b.allocate(Shape.of(8, 2, 3, 3), Layout.PLAIN), dx = act(b, r, n, c, 5, 5);
        b.upload(random(r, 8 * 2 * 9), w);
        ConvParams p = ConvParams.of(n, c, 5, 5, 8, 3, 2, 2);
        b.convForward(p, x, w, y, base, -1f);
        assertPaddingZero(b, "conv forward with base", y);
        b.convBackwardData(p, y, w, dx, 0.5f, true);
        assertPaddingZero(b, "conv backward data", dx);
        Tensor g = b.allocate(Shape.of(c), Layout.PLAIN), be = b.allocate(Shape.of(c), Layout.PLAIN);
        Tensor rm = b.allocate(Shape.of(c), Layout.PLAIN), rv = b.allocate(Shape.of(c), Layout.PLAIN);
        Tensor sm = b.allocate(Shape.of(c), Layout.PLAIN), si = b.allocate(Shape.of(c), Layout.PLAIN);
        b.upload(random(r, c), g);
        b.upload(random(r, c), be);
        b.upload(new float[]{1, 2, 3, 4}, rv);
        Tensor out = b.allocate(x.shape(), Layout.BATCH_BLOCKED);
        b.batchNormTrain(x, g, be, rm, rv, 0.1f, 1e-5f, sm, si, false, dx, out);
        assertPaddingZero(b, "batch norm train (shift beta, residual)", out);
        b.batchNormEval(x, g, be, rm, rv, 1e-5f, true, null, out);
        assertPaddingZero(b, "batch norm eval", out);
        b.batchNormBackward(x, g, be, sm, si, true, dx, out, true, rm, rv, false);
        assertPaddingZero(b, "batch norm backward", out);
        Tensor bias = b.allocate(Shape.of(c), Layout.PLAIN);
        b.upload(random(r, c), bias);
        b.addBias(out, bias);
        assertPaddingZero(b, "add bias", out);
        Tensor pooled = b.allocate(Shape.of(n, c, 1, 1), Layout.BATCH_BLOCKED);
        b.globalAvgPool(out, pooled);
        b.globalAvgPoolBackward(pooled, out, true);
        assertPaddingZero(b, "global average pool backward", out);
        Tensor wide = b.allocate(Shape.of(n, 8, 3, 3), Layout.BATCH_BLOCKED);
        b.shortcutA(out, 2, wide);
        b.shortcutABackward(wide, 2, out, true);
        b.axpby(2f, out, -1f, dx, true, out);
        assertPaddingZero(b, "shortcut A, axpby", out);
    }

    @Test
    void uploadDownloadRoundTripsAndPaddingStaysZero() {
        try (OpenClBackend b = new OpenClBackend(device, 4)) {
            Random r = new Random(3);
            float[] data = random(r, 5 * 2 * 3);
            Tensor t = b.allocate(Shape.of(5, 2, 3, 1), Layout.BATCH_BLOCKED);
            b.upload(data, t);
            assertArrayEquals(data, b.download(t));
            Tensor bias = b.allocate(Shape.of(2), Layout.PLAIN);
            b.upload(new float[]{1f, -1f}, bias);
            b.addBias(t, bias);
            // the whole storage, padding lanes included: images 5..7 of the second block must still be zero
            Tensor raw = new Tensor(Shape.of((int) t.floats()), Layout.PLAIN, 1, t.storage());
            float[] all = b.download(raw);
            for (int e = 0; e < 2 * 3; e++) {
                for (int lane = 1; lane < 4; lane++) assertEquals(0f, all[(2 * 3 + e) * 4 + lane], "padding lane " + lane);
            }
        }
    }
}
