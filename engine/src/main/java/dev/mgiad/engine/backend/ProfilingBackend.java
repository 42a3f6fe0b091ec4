package dev.mgiad.engine.backend;

import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Wraps a backend and accumulates the wall time of every operator call by operator and shape, so that
 * {@code mgiad bench model --profile} can show where a training step goes. Calls are timed to completion
 * ({@link Backend#sync()} after each), which serialises asynchronous backends: use it to find hot spots, not to
 * measure throughput.
 */
public final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> stats = new HashMap<>(); // key -> {nanos, calls}
    private final Map<String, Category> categories = new HashMap<>();

    public ProfilingBackend(Backend inner) { this.inner = inner; }

    /**
     * What bounds an operator: {@code CONV} is a convolution with several input channels per output (dense and
     * grouped 3x3, dense 1x1), which can run at the FMA peak; {@code TRANSFER} is a convolution with at most two
     * inputs per output (depthwise pooling, the 1x1 channel-pair transfers of MGiaD), {@code MEMORY} every other
     * operator (batch norm, ReLU, additions, pooling, optimizer): both bounded by memory bandwidth, not FLOPs.
     */
    public enum Category { CONV, TRANSFER, MEMORY }

    /** One operator and shape over the profiled steps. */
    public record Row(String operator, Category category, double callsPerStep, double msPerStep, double percent) { }

    public void clear() { stats.clear(); }

    private void time(String key, Runnable r) { time(key, Category.MEMORY, r); }

    private void time(String key, Category category, Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        inner.sync();
        long[] s = stats.computeIfAbsent(key, k -> new long[2]);
        s[0] += System.nanoTime() - t0;
        s[1]++;
        categories.putIfAbsent(key, category);
    }

    private <T> T timeGet(String key, Supplier<T> r) {
        long t0 = System.nanoTime();
        T v = r.get();
        inner.sync();
        long[] s = stats.computeIfAbsent(key, k -> new long[2]);
        s[0] += System.nanoTime() - t0;
        s[1]++;
        categories.putIfAbsent(key, Category.MEMORY);
        return v;
    }

    static Category category(ConvParams p) {
        return p.cinPerGroup() == 1 || p.cinPerGroup() * p.taps() <= 2 ? Category.TRANSFER : Category.CONV;
    }

    private static String conv(String dir, ConvParams p) {
        String regime = p.groups() == 1 ? "dense" : p.cinPerGroup() == 1 ? "depthwise" : "g_s=" + p.cinPerGroup();
        return String.format(Locale.ROOT, "conv %s %dx%d s%d %s %d->%d @%dx%d", dir, p.k(), p.k(), p.stride(), regime,
                p.cin(), p.cout(), p.h(), p.w());
    }

    private static String shape(String op, Tensor t) { return op + " " + t.shape(); }

    /** The operators sorted by total time, per step, with their share of the total. */
    public List<Row> rows(int steps) {
        List<Map.Entry<String, long[]>> l = new ArrayList<>(stats.entrySet());
        l.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        long total = Math.max(1, l.stream().mapToLong(e -> e.getValue()[0]).sum());
        List<Row> rows = new ArrayList<>();
        for (var e : l) {
            rows.add(new Row(e.getKey(), categories.get(e.getKey()), e.getValue()[1] / (double) steps,
                    e.getValue()[0] / 1e6 / steps, 100.0 * e.getValue()[0] / total));
        }
        return rows;
    }

    /** Milliseconds per step of one category. */
    public static double msPerStep(List<Row> rows, Category c) {
        return rows.stream().filter(r -> r.category() == c).mapToDouble(Row::msPerStep).sum();
    }

    /** A table of the operators sorted by total time, with their share of the total and the share per category. */
    public String report(int steps) {
        List<Row> rows = rows(steps);
        double total = rows.stream().mapToDouble(Row::msPerStep).sum();
        StringBuilder sb = new StringBuilder(String.format("%-56s %-8s %8s %10s %6s%n", "operator (per step)", "bound", "calls", "ms", "%"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-56s %-8s %8.1f %10.2f %6.1f%n", r.operator(),
                    r.category().name().toLowerCase(Locale.ROOT), r.callsPerStep(), r.msPerStep(), r.percent()));
        }
        sb.append(String.format(Locale.ROOT, "%-56s %-8s %8s %10.2f%n", "total", "", "", total));
        double conv = msPerStep(rows, Category.CONV), transfer = msPerStep(rows, Category.TRANSFER);
        double memory = msPerStep(rows, Category.MEMORY);
        sb.append(String.format(Locale.ROOT,
                "memory-bound share: %.1f%% (%.1f ms: transfers %.1f ms, batch norm / elementwise / other %.1f ms); "
                        + "convolutions %.1f ms (%.1f%%)%n",
                100 * (transfer + memory) / Math.max(total, 1e-9), transfer + memory, transfer, memory, conv,
                100 * conv / Math.max(total, 1e-9)));
        return sb.toString();
    }

    @Override public String name() { return inner.name() + " (profiled)"; }
    @Override public int batchBlock() { return inner.batchBlock(); }
    @Override public Tensor allocate(Shape shape, Layout layout) { return inner.allocate(shape, layout); }
    @Override public void zero(Tensor t) { time("zero", () -> inner.zero(t)); }
    @Override public void copy(Tensor src, Tensor dst) { time("copy", () -> inner.copy(src, dst)); }
    @Override public void upload(float[] src, Tensor dst) { time("upload", () -> inner.upload(src, dst)); }
    @Override public float[] download(Tensor src) { return timeGet("download", () -> inner.download(src)); }

    @Override public void convForward(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha) {
        time(conv("fwd", p), category(p), () -> inner.convForward(p, x, w, y, base, alpha));
    }

    @Override public void convForwardRelu(ConvParams p, Tensor x, Tensor w, Tensor y, Tensor base, float alpha) {
        time(conv("fwd+relu", p), category(p), () -> inner.convForwardRelu(p, x, w, y, base, alpha));
    }

    @Override public void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate) {
        time(conv("bwd-data", p), category(p), () -> inner.convBackwardData(p, dy, w, dx, alpha, accumulate));
    }

    /** The fused epilogue is counted with the convolution that carries it, under its own key. */
    @Override public void convBackwardData(ConvParams p, Tensor dy, Tensor w, Tensor dx, float alpha, boolean accumulate,
                                           GradientEpilogue then) {
        String dir = switch (then) {
            case null -> "bwd-data";
            case GradientEpilogue.ReluMask m -> "bwd-data+relu";
            case GradientEpilogue.BatchNormSums s -> "bwd-data+bn-sums";
        };
        time(conv(dir, p), category(p), () -> inner.convBackwardData(p, dy, w, dx, alpha, accumulate, then));
    }

    @Override public boolean fusesGradientPasses() { return inner.fusesGradientPasses(); }

    @Override public void batchNormBackwardSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                                boolean relu, Tensor dy, Tensor sums) {
        time(shape("batchnorm bwd-sums", x), () -> inner.batchNormBackwardSums(x, gamma, beta, saveMean, saveInvStd, relu, dy, sums));
    }

    @Override public void batchNormBackwardWithSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean,
                                                    Tensor saveInvStd, boolean relu, Tensor dy, Tensor sums, Tensor dx,
                                                    boolean accumulateDx, Tensor dgamma, Tensor dbeta,
                                                    boolean accumulateParams) {
        time(shape("batchnorm bwd-dx", x), () -> inner.batchNormBackwardWithSums(x, gamma, beta, saveMean, saveInvStd,
                relu, dy, sums, dx, accumulateDx, dgamma, dbeta, accumulateParams));
    }

    @Override public void convBackwardWeights(ConvParams p, Tensor x, Tensor dy, Tensor dw, float alpha, boolean accumulate) {
        time(conv("bwd-weights", p), category(p), () -> inner.convBackwardWeights(p, x, dy, dw, alpha, accumulate));
    }

    @Override public void batchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                         float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                         Tensor residual, Tensor y) {
        time(shape("batchnorm fwd", x), () -> inner.batchNormTrain(x, gamma, beta, runningMean, runningVar, momentum, eps,
                saveMean, saveInvStd, relu, residual, y));
    }

    @Override public void convBatchNormTrain(ConvParams p, Tensor x, Tensor w, Tensor base, float alpha, Tensor t,
                                             Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                             float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                             Tensor residual, Tensor y) {
        time(conv("fwd+bn", p), category(p), () -> inner.convBatchNormTrain(p, x, w, base, alpha, t, gamma, beta,
                runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, residual, y));
    }

    @Override public void batchNormEval(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                        float eps, boolean relu, Tensor residual, Tensor y) {
        time(shape("batchnorm eval", x), () -> inner.batchNormEval(x, gamma, beta, runningMean, runningVar, eps, relu, residual, y));
    }

    @Override public void batchNormBackward(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                                            boolean relu, Tensor dy, Tensor dx, boolean accumulateDx, Tensor dgamma,
                                            Tensor dbeta, boolean accumulateParams) {
        time(shape("batchnorm bwd", x), () -> inner.batchNormBackward(x, gamma, beta, saveMean, saveInvStd, relu, dy, dx,
                accumulateDx, dgamma, dbeta, accumulateParams));
    }

    @Override public void axpby(float a, Tensor x, float b, Tensor y, boolean relu, Tensor out) {
        time(shape("axpby", x), () -> inner.axpby(a, x, b, y, relu, out));
    }

    @Override public void reluBackward(Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
        time(shape("relu bwd", y), () -> inner.reluBackward(y, dy, dx, accumulate));
    }

    @Override public void scaleInto(Tensor src, float alpha, Tensor dst, boolean accumulate) {
        time(shape("scale_into", src), () -> inner.scaleInto(src, alpha, dst, accumulate));
    }

    @Override public void globalAvgPool(Tensor x, Tensor y) { time("avgpool", () -> inner.globalAvgPool(x, y)); }
    @Override public void globalAvgPoolBackward(Tensor dy, Tensor dx, boolean accumulate) { time("avgpool bwd", () -> inner.globalAvgPoolBackward(dy, dx, accumulate)); }
    @Override public void addBias(Tensor y, Tensor bias) { time("bias", () -> inner.addBias(y, bias)); }
    @Override public void biasBackward(Tensor dy, Tensor db, boolean accumulate) { time("bias bwd", () -> inner.biasBackward(dy, db, accumulate)); }
    @Override public void shortcutA(Tensor x, int stride, Tensor y) { time("shortcut_a", () -> inner.shortcutA(x, stride, y)); }
    @Override public void shortcutABackward(Tensor dy, int stride, Tensor dx, boolean accumulate) { time("shortcut_a bwd", () -> inner.shortcutABackward(dy, stride, dx, accumulate)); }

    @Override public void sgdStep(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, float weightDecay, boolean nesterov) {
        time("sgd step", () -> inner.sgdStep(param, grad, velocity, lr, momentum, weightDecay, nesterov));
    }

    @Override public double sumOfSquares(Tensor t) { return timeGet("sum_of_squares", () -> inner.sumOfSquares(t)); }
    @Override public void sync() { inner.sync(); }
    @Override public void close() { inner.close(); }
}
