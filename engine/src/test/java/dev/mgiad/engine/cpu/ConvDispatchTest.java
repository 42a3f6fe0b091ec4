package dev.mgiad.engine.cpu;

import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance suite only proves the kernels it reaches: every implementation of every dispatch list, and the
 * batch-chunking branch of the weight gradient, must be taken by at least one of its problems.
 */
class ConvDispatchTest {

    private static final List<ConvParams> PROBLEMS = BackendConformance.convProblems();

    private static ConvJob job(ConvParams p) { return ConvJob.forward(p, null, null, null, null, 1f, 1, dev.mgiad.engine.backend.ConvAlgorithm.AUTO); }

    private static ConvJob transposed(ConvParams p) { return ConvJob.backwardData(p, null, null, null, null, 1f, 1, dev.mgiad.engine.backend.ConvAlgorithm.AUTO); }

    @Test
    void everyForwardKernelIsReachedByTheSuite() {
        Set<String> seen = new HashSet<>();
        for (ConvParams p : PROBLEMS) {
            seen.add(ConvDispatch.forwardFor(job(p)).name());
            ConvJob winograd = job(p);
            winograd.algo = dev.mgiad.engine.backend.ConvAlgorithm.WINOGRAD; // ConvWinogradTest runs these
            seen.add(ConvDispatch.forwardFor(winograd).name());
            if (ConvDispatch.backwardDataFor(p) == ConvDispatch.AS_FORWARD) seen.add(ConvDispatch.forwardFor(transposed(p)).name());
        }
        for (var f : ConvDispatch.FORWARD) assertTrue(seen.contains(f.name()), "no conformance problem reaches " + f.name());
    }

    @Test
    void everyInputGradientKernelIsReachedByTheSuite() {
        Set<String> seen = new HashSet<>();
        for (ConvParams p : PROBLEMS) seen.add(ConvDispatch.backwardDataFor(p).name());
        for (var f : ConvDispatch.BACKWARD_DATA) assertTrue(seen.contains(f.name()), "no conformance problem reaches " + f.name());
    }

    /**
     * The weight gradients' ways of walking the work: the tile drivers' chunks of batch blocks with a partial last
     * one; the blocked 3x3 kernel's blocks of input channels (several, a partial last one) and its row chunks at
     * stride 1 and 2; the 1x1 kernel in chunks of rows smaller than the image, over several blocks.
     */
    @Test
    void everyWeightGradientKernelAndEveryWayOfChunkingAreReachedByTheSuite() {
        Set<String> seen = new HashSet<>();
        boolean partialChunk = false, inputBlocks3x3 = false, rowChunks3x3 = false, rowChunks3x3s2 = false, rowChunks1x1 = false;
        for (ConvParams p : PROBLEMS) {
            var impl = ConvDispatch.backwardWeightsFor(p);
            seen.add(impl.name());
            int blocks = (p.n() + Simd.LANES - 1) / Simd.LANES;
            if (impl.whole() == null) {
                int chunk = ConvDispatch.chunkFor(impl, p, blocks);
                if (chunk > 1 && blocks % chunk != 0) partialChunk = true;
            }
            if (impl == Conv3x3S1.BACKWARD_WEIGHTS_BLOCKED || impl == Conv3x3S1.BACKWARD_WEIGHTS_BLOCKED4) {
                if (p.cinPerGroup() > Conv3x3S1.SUM_BLOCK && p.cinPerGroup() % Conv3x3S1.SUM_BLOCK != 0) inputBlocks3x3 = true;
                boolean rowChunks = Conv3x3S1.dyChunkRows(impl.tile(), p.ow()) < p.oh();
                if (rowChunks && p.stride() == 1) rowChunks3x3 = true;
                if (rowChunks && p.stride() == 2) rowChunks3x3s2 = true;
            }
            if (impl == Conv1x1.BACKWARD_WEIGHTS && blocks > 1 && Conv1x1.chunkRows(p) < p.oh()) rowChunks1x1 = true;
        }
        for (var f : ConvDispatch.BACKWARD_WEIGHTS) assertTrue(seen.contains(f.name()), "no conformance problem reaches " + f.name());
        assertTrue(partialChunk, "no conformance problem has a partial last chunk of batch blocks");
        assertTrue(inputBlocks3x3, "no conformance problem takes the blocked 3x3 weight gradient over several input-channel blocks with a partial last one");
        assertTrue(rowChunks3x3, "no conformance problem takes the blocked 3x3 weight gradient in row chunks");
        assertTrue(rowChunks3x3s2, "no conformance problem takes the blocked 3x3 stride-2 weight gradient in row chunks");
        assertTrue(rowChunks1x1, "no conformance problem takes the 1x1 weight gradient in row chunks over several blocks");
    }

    @Test
    void theGenericKernelsComeLastAndAcceptEverything() {
        ConvParams odd = ConvParams.of(3, 4, 7, 7, 4, 5, 3, 2);
        assertSame(ConvGeneric.FORWARD, ConvDispatch.FORWARD.getLast());
        assertSame(ConvGeneric.FORWARD, ConvDispatch.forwardFor(job(odd)));
        assertSame(ConvGeneric.BACKWARD_DATA, ConvDispatch.backwardDataFor(odd));
        assertSame(ConvGeneric.BACKWARD_WEIGHTS, ConvDispatch.backwardWeightsFor(odd));
    }

    @Test
    void theLaneCountFollowsTheProperty() {
        String forced = System.getProperty(Simd.LANES_PROPERTY);
        if (forced != null) assertEquals(Integer.parseInt(forced), Simd.LANES, "-D" + Simd.LANES_PROPERTY + " is ignored");
        assertEquals(8, Simd.choose("8").length());
        assertEquals(16, Simd.choose("16").length());
        var e = assertThrows(IllegalArgumentException.class, () -> Simd.choose("12"));
        assertTrue(e.getMessage().contains("8 or 16"), e.getMessage());
        assertFalse(new CpuBackend(1).name().isEmpty());
    }
}
