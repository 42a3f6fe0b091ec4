package dev.mgiad.engine.backend;

import dev.mgiad.engine.tensor.Tensor;

/**
 * Work on a finished gradient that the operator writing its last contribution can do while the rows are still in
 * cache ({@link Backend#convBackwardData(ConvParams, Tensor, Tensor, Tensor, float, boolean, GradientEpilogue)}):
 * the graph knows when a contribution is the last one, the backend when a row is done. Each kind is also a plain
 * operator ({@link Backend#finishGradient}), which is what a backend without the fusion runs after the pass.
 */
public sealed interface GradientEpilogue {

    /**
     * The gradient is that of a ReLU's output {@code y}: mask it in place, {@code g = g * (y > 0)}, which is the
     * ReLU's backward, so the ReLU then hands the buffer on instead of running its own pass.
     */
    record ReluMask(Tensor y) implements GradientEpilogue { }

    /**
     * The gradient is that of a training-mode batch norm's output: write its two per-channel reductions into
     * {@code sums} (see {@link Backend#batchNormBackwardSums}), so the batch norm's backward is one pass that reads
     * its inputs once and writes dx.
     */
    record BatchNormSums(Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd, boolean relu,
                         Tensor sums) implements GradientEpilogue { }
}
