package dev.mgiad.bench;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.tensor.Layout;
import dev.mgiad.engine.tensor.Shape;
import dev.mgiad.engine.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Grouped vs dense 3x3 convolution, forward and forward+backward, at the shapes the paper's models run
 * (shared/bench/shapes.txt). Compare rows of one run: the ratio of a grouped row to the dense row of the same
 * channel count against the ideal g_s/C is the project's question. Example:
 * {@code bin/bench ConvBench -p channels=128 -p size=16 -p groupSize=128,16,4,1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow",
        "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages"})
public class ConvBench {
    @Param({"64"}) public int channels;
    @Param({"32"}) public int size;
    @Param({"64", "16", "8", "4", "1"}) public int groupSize;
    @Param({"3"}) public int kernel;
    @Param({"1"}) public int stride;
    @Param({"128"}) public int batch;
    @Param({"2"}) public int threads;

    private CpuBackend be;
    private ConvParams p;
    private Tensor x, w, y, dx, dw;

    @Setup(Level.Trial)
    public void setUp() {
        be = new CpuBackend(threads);
        p = ConvParams.of(batch, channels, size, size, channels, kernel, stride, channels / groupSize);
        x = be.allocate(Shape.of(batch, channels, size, size), Layout.BATCH_BLOCKED);
        w = be.allocate(Shape.of(channels, groupSize, kernel, kernel), Layout.PLAIN);
        y = be.allocate(Shape.of(batch, channels, p.oh(), p.ow()), Layout.BATCH_BLOCKED);
        dx = be.allocate(x.shape(), Layout.BATCH_BLOCKED);
        dw = be.allocate(w.shape(), Layout.PLAIN);
        Random r = new Random(1);
        be.upload(random(r, x.shape().elements()), x);
        be.upload(random(r, w.shape().elements()), w);
    }

    private static float[] random(Random r, long n) {
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @TearDown(Level.Trial)
    public void tearDown() { be.close(); }

    @Benchmark
    public Tensor forward() {
        be.convForward(p, x, w, y, null, 1f);
        return y;
    }

    @Benchmark
    public Tensor forwardBackward() {
        be.convForward(p, x, w, y, null, 1f);
        be.convBackwardData(p, y, w, dx, 1f, false);
        be.convBackwardWeights(p, x, y, dw, 1f, false);
        return dw;
    }
}
