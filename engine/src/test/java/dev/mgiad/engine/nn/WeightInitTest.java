package dev.mgiad.engine.nn;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class WeightInitTest {
    /** A dense 3x3, a grouped 3x3, a 1x1, a BN and a linear layer. */
    static final class Net extends Module {
        final Conv2d dense, grouped, pointwise;
        final BatchNorm2d bn;
        final Linear fc;

        Net(Backend be, SplittableRandom rng) {
            super(be);
            dense = child("dense", new Conv2d(be, rng, 32, 64, 3, 1, 1));
            grouped = child("grouped", new Conv2d(be, rng, 64, 64, 3, 1, 16));
            pointwise = child("pointwise", new Conv2d(be, rng, 64, 128, 1, 1, 1));
            bn = child("bn", new BatchNorm2d(be, 128));
            fc = child("fc", new Linear(be, rng, 128, 10));
        }
    }

    private static double std(float[] a) {
        double s = 0, s2 = 0;
        for (float v : a) { s += v; s2 += (double) v * v; }
        double m = s / a.length;
        return Math.sqrt(s2 / a.length - m * m);
    }

    @Test
    void heDrawsNormalWithFanOutVarianceForEveryConvolutionAndLeavesTheRest() {
        try (CpuBackend be = new CpuBackend(1)) {
            Net net = new Net(be, new SplittableRandom(1));
            float[] fcBefore = be.download(net.fc.weight.value());
            float[] biasBefore = be.download(net.fc.bias.value());
            float[] gammaBefore = be.download(net.bn.gamma.value());
            WeightInit.HE.apply(net, new SplittableRandom(2));
            // fan_out = out * k * k, groups ignored (as torch.nn.init.kaiming_normal_)
            assertEquals(Math.sqrt(2.0 / (64 * 9)), std(be.download(net.dense.weight.value())), 0.03 * Math.sqrt(2.0 / (64 * 9)));
            assertEquals(Math.sqrt(2.0 / (64 * 9)), std(be.download(net.grouped.weight.value())), 0.06 * Math.sqrt(2.0 / (64 * 9)));
            assertEquals(Math.sqrt(2.0 / 128), std(be.download(net.pointwise.weight.value())), 0.05 * Math.sqrt(2.0 / 128));
            assertArrayEquals(fcBefore, be.download(net.fc.weight.value()));
            assertArrayEquals(biasBefore, be.download(net.fc.bias.value()));
            assertArrayEquals(gammaBefore, be.download(net.bn.gamma.value()));
        }
    }

    @Test
    void uniformKeepsTheBuiltWeightsAndHeIsSeeded() {
        try (CpuBackend be = new CpuBackend(1)) {
            Net a = new Net(be, new SplittableRandom(1));
            float[] built = be.download(a.dense.weight.value());
            // PyTorch's default bound 1/sqrt(fan_in) = 1/sqrt(32*9)
            double bound = 1 / Math.sqrt(32 * 9);
            for (float v : built) assertTrue(Math.abs(v) <= bound, "uniform init out of its bound: " + v);
            WeightInit.UNIFORM.apply(a, new SplittableRandom(2));
            assertArrayEquals(built, be.download(a.dense.weight.value()));

            Net b = new Net(be, new SplittableRandom(1));
            WeightInit.HE.apply(a, new SplittableRandom(7));
            WeightInit.HE.apply(b, new SplittableRandom(7));
            assertArrayEquals(be.download(a.grouped.weight.value()), be.download(b.grouped.weight.value()));
            assertFalse(java.util.Arrays.equals(built, be.download(a.dense.weight.value())));
        }
    }

    @Test
    void namesAreParsedAndBadOnesExplained() {
        assertEquals(WeightInit.HE, WeightInit.fromCliName("He"));
        assertEquals(WeightInit.UNIFORM, WeightInit.fromCliName("uniform"));
        var e = assertThrows(IllegalArgumentException.class, () -> WeightInit.fromCliName("xavier"));
        assertTrue(e.getMessage().contains("xavier") && e.getMessage().contains("he"), e.getMessage());
    }
}
