package dev.mgiad.engine.cpu;

import dev.mgiad.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch norm's backward reductions, {@code sum(dz)} and {@code sum(dz * xhat)} per channel (dz = dy masked by the
 * ReLU), gathered per row as {@link ConvStats} gathers the forward statistics: per (batch block, channel, row) two
 * doubles, merged per channel in a fixed order (the rows of each batch block, then the blocks). The convolution that writes dy can gather
 * them in its epilogue ({@link RowEpilogue}); batch norm's own backward ({@link #of}) computes the same rows, so the
 * fused and the unfused graph agree bit for bit, however the threads split the work.
 */
final class BatchNormGradSums extends RowEpilogue {
    private static final VectorSpecies<Float> S = CpuBackend.S;
    private static final int L = CpuBackend.L;

    private final float[] mx, mean, invStd, gamma, beta;
    private final boolean relu;
    private final int channels, rows, nBlocks;
    /** [nb][channel][row] x {sum dz, sum dz*xhat}. */
    private final double[] part;

    BatchNormGradSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu) {
        super(x.batchBlocks(), x.c(), x.h());
        this.mx = CpuBackend.seg(x);
        this.mean = CpuBackend.seg(saveMean);
        this.invStd = CpuBackend.seg(saveInvStd);
        this.gamma = CpuBackend.seg(gamma);
        this.beta = CpuBackend.seg(beta);
        this.relu = relu;
        this.channels = x.c();
        this.rows = x.h();
        this.nBlocks = x.batchBlocks();
        this.part = new double[nBlocks * channels * rows * 2];
    }

    @Override
    void row(float[] dy, long from, long to, int nb, int c, int y) {
        int slot = ((nb * channels + c) * rows + y) * 2;
        rowSums(mx, dy, from, to, mean[c], invStd[c], gamma[c], beta[c], relu, part, slot);
    }

    // its own small method: vectors handed to a method C2 does not inline are boxed
    private static void rowSums(float[] mx, float[] mdy, long from, long to, float mean, float invStd, float g, float b,
                                boolean relu, double[] part, int slot) {
        FloatVector zero = FloatVector.zero(S), mv = FloatVector.broadcast(S, mean), iv = FloatVector.broadcast(S, invStd);
        FloatVector gv = FloatVector.broadcast(S, g), bv = FloatVector.broadcast(S, b);
        FloatVector a = zero, ax = zero;
        for (long o = from; o < to; o += L) {
            FloatVector xh = FloatVector.fromArray(S, mx, (int) o).sub(mv).mul(iv);
            FloatVector dz = FloatVector.fromArray(S, mdy, (int) o);
            if (relu) dz = zero.blend(dz, xh.fma(gv, bv).compare(VectorOperators.GT, 0f));
            a = a.add(dz);
            ax = dz.fma(xh, ax);
        }
        part[slot] = Lanes.sum(a);
        part[slot + 1] = Lanes.sum(ax);
    }

    /**
     * {@code {sum dz, sum dz*xhat}} of channel c: each batch block's rows added in order, then the blocks in order
     * (so that synchronised batch norm, which gathers the blocks of all ranks, adds them as one process does).
     */
    double[] channel(int c) {
        double s = 0, sx = 0;
        for (int nb = 0; nb < nBlocks; nb++) {
            double[] b = block(nb, c);
            s += b[0];
            sx += b[1];
        }
        return new double[]{s, sx};
    }

    private double[] block(int nb, int c) {
        double s = 0, sx = 0;
        for (int y = 0; y < rows; y++) {
            int slot = ((nb * channels + c) * rows + y) * 2;
            s += part[slot];
            sx += part[slot + 1];
        }
        return new double[]{s, sx};
    }

    /** Every batch block's sums, {@code [block][channel] x {sum dz, sum dz*xhat}}: a rank's share of the global sums. */
    double[] blocks() {
        double[] out = new double[nBlocks * channels * 2];
        for (int nb = 0; nb < nBlocks; nb++) {
            for (int c = 0; c < channels; c++) System.arraycopy(block(nb, c), 0, out, (nb * channels + c) * 2, 2);
        }
        return out;
    }

    /** The sums as the backend hands them on: {@code sums[c] = sum dz}, {@code sums[C + c] = sum dz*xhat}, in float. */
    void writeTo(float[] sums) {
        for (int c = 0; c < channels; c++) {
            double[] s = channel(c);
            sums[c] = (float) s[0];
            sums[channels + c] = (float) s[1];
        }
    }

    /** Every row of dy, threads owning channels: batch norm's backward without a fused producer. */
    void gather(Tensor dy, Parallel par) {
        float[] mdy = CpuBackend.seg(dy);
        int wo = dy.w();
        long plane = (long) dy.h() * wo * L;
        par.forRange(channels, (from, to, t) -> {
            for (int c = from; c < to; c++) {
                for (int nb = 0; nb < nBlocks; nb++) rows(mdy, plane, nb, c, 1, 0, rows * wo, wo);
            }
        });
    }

    static BatchNormGradSums of(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                                Tensor dy, Parallel par) {
        BatchNormGradSums s = new BatchNormGradSums(x, gamma, beta, saveMean, saveInvStd, relu);
        s.gather(dy, par);
        return s;
    }
}
