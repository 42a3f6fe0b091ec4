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

    @Test
    void everyWeightGradientKernelAndTheBatchChunkingAreReachedByTheSuite() {
        Set<String> seen = new HashSet<>();
        boolean oneBlockChunks = false, partialChunk = false;
        for (ConvParams p : PROBLEMS) {
            var impl = ConvDispatch.backwardWeightsFor(p);
            seen.add(impl.name());
            int blocks = (p.n() + Simd.LANES - 1) / Simd.LANES;
            int chunk = ConvDispatch.chunkFor(impl, p, blocks);
            if (blocks > 1 && chunk == 1) oneBlockChunks = true;
            if (chunk > 1 && blocks % chunk != 0) partialChunk = true;
        }
        for (var f : ConvDispatch.BACKWARD_WEIGHTS) assertTrue(seen.contains(f.name()), "no conformance problem reaches " + f.name());
        assertTrue(oneBlockChunks, "no conformance problem sums the weight gradient one batch block at a time (batch 128 at 32x32 does)");
        assertTrue(partialChunk, "no conformance problem has a partial last chunk of batch blocks");
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
