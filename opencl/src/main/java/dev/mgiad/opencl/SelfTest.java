package dev.mgiad.opencl;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.ref.Reference;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether a device computes correctly, in about a second: a small grouped 3x3 convolution (3 images, 8 to 8
 * channels in 2 groups, 7x6 pixels) on the device against the plain reference kernel. It opens a context, builds
 * one program (the bulk of the time: 0.1-0.6 s on PoCL and rusticl), runs one launch and reads the result back,
 * so it fails on what breaks a device in practice: a driver that cannot build the kernels, a launch error, wrong
 * results. A driver that hangs is cut off after a time limit, reported, and left to its daemon thread.
 */
public final class SelfTest {
    private SelfTest() { }

    /** The convolution: odd sizes, a batch that fills no batch block, grouped so the group indexing is used. */
    static final ConvParams PROBLEM = ConvParams.of(3, 8, 7, 6, 8, 3, 1, 2);

    /** The outcome: passed or not, one line of detail, seconds taken. */
    public record Result(boolean passed, String detail, double seconds) {
        /** {@code passed (0.42 s)} or {@code FAILED: detail}. */
        public String line() {
            return passed ? String.format("passed (%.2f s)", seconds) : "FAILED: " + detail;
        }
    }

    /** Runs the self-test on a device, giving up after {@code limitSeconds}; never throws. */
    public static Result run(OpenCl.DeviceInfo device, double limitSeconds) {
        long t0 = System.nanoTime();
        CompletableFuture<String> check = new CompletableFuture<>();
        Thread worker = Thread.ofPlatform().daemon().name("opencl-self-test-" + device.index()).unstarted(() -> {
            try {
                check.complete(convolve(device));
            } catch (Throwable t) {
                check.completeExceptionally(t);
            }
        });
        worker.start();
        String error;
        try {
            error = check.get((long) (limitSeconds * 1000), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            error = String.format("no answer within %.0f s (the driver hangs or is very slow)", limitSeconds);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            error = m.lines().findFirst().orElse(m); // a build log follows the first line: the first says what failed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(error == null, error, seconds);
    }

    /** The convolution on the device; null when it agrees with the reference, else what is wrong. */
    static String convolve(OpenCl.DeviceInfo device) {
        ConvParams p = PROBLEM;
        SplittableRandom r = new SplittableRandom(14);
        float[] x = new float[p.n() * p.cin() * p.h() * p.w()], w = new float[(int) p.weightElements()];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextDouble() * 2 - 1);
        float[] want = Reference.convForward(p, x, w), got;
        try (OpenClBackend b = new OpenClBackend(device)) {
            Tensor tx = b.allocate(Shape.of(p.n(), p.cin(), p.h(), p.w()), Layout.BATCH_BLOCKED);
            Tensor tw = b.allocate(Shape.of(p.cout(), p.cinPerGroup(), p.k(), p.k()), Layout.PLAIN);
            Tensor ty = b.allocate(Shape.of(p.n(), p.cout(), p.oh(), p.ow()), Layout.BATCH_BLOCKED);
            b.upload(x, tx);
            b.upload(w, tw);
            b.convForward(p, tx, tw, ty, null, 1f);
            got = b.download(ty);
        }
        return compare(want, got, 1e-5 * p.cinPerGroup() * p.taps());
    }

    /** Null when every element is within {@code 1e-4} relative plus {@code abs}, else the worst element. */
    static String compare(float[] want, float[] got, double abs) {
        if (want.length != got.length) return "the device returned " + got.length + " values, expected " + want.length;
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) got[i] - want[i]), allowed = 1e-4 * Math.abs(want[i]) + abs;
            if (!(err <= allowed) && (worst < 0 || !(err - allowed <= worstExcess))) {
                worst = i;
                worstExcess = err - allowed;
            }
        }
        if (worst < 0) return null;
        return String.format("wrong convolution result: element %d is %s, the reference says %s", worst, got[worst], want[worst]);
    }
}
