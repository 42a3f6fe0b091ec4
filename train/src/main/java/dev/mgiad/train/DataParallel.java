package dev.mgiad.train;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.distributed.Communicator;
import dev.mgiad.engine.distributed.GradientAllReduce;
import dev.mgiad.engine.nn.Module;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.nn.StateBuffer;
import dev.mgiad.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * What a training run needs to be one of P data-parallel ranks (PyTorch DDP's semantics): every rank starts from
 * rank 0's weights, batch-norm buffers and momentum ({@link #broadcastState}); each takes its shard of every
 * global batch; the gradients are summed over ranks in buckets during the backward pass ({@link #attach},
 * {@link #finishGradients}); batch norm uses per-rank statistics, or the global batch's with {@code syncBatchNorm};
 * before evaluation and checkpoints the running statistics are rank 0's ({@link #broadcastBuffers}), as DDP's
 * {@code broadcast_buffers}. Rank 0 alone writes files.
 */
public final class DataParallel implements AutoCloseable {
    private final Communicator comm;
    private final boolean syncBatchNorm;
    private final long bucketBytes;
    private final boolean overlap;
    private GradientAllReduce gradients;

    /**
     * @param bucketBytes gradient bucket size (PyTorch DDP's {@code bucket_cap_mb})
     * @param overlap     start buckets during the backward pass (false: all after it, for measurements)
     */
    public DataParallel(Communicator comm, boolean syncBatchNorm, long bucketBytes, boolean overlap) {
        this.comm = comm;
        this.syncBatchNorm = syncBatchNorm;
        this.bucketBytes = bucketBytes;
        this.overlap = overlap;
    }

    public int rank() { return comm.rank(); }

    public int size() { return comm.size(); }

    public boolean isRoot() { return comm.isRoot(); }

    public boolean syncBatchNorm() { return syncBatchNorm; }

    public Communicator communicator() { return comm; }

    /** One line for the run's header. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%d ranks (MPI), %s batch norm, gradients in %.2g MB buckets%s",
                size(), syncBatchNorm ? "synchronised" : "per-rank", bucketBytes / 1e6,
                overlap ? " overlapping the backward pass" : " after the backward pass");
    }

    /** Hooks the gradient all-reduce (and synchronised batch norm) into a training graph. */
    public void attach(Graph g, List<Parameter> params, Backend be) {
        if (gradients != null) gradients.close();
        gradients = new GradientAllReduce(comm, be, params, bucketBytes, overlap);
        gradients.attach(g);
        if (syncBatchNorm) g.synchronizeBatchNorm(comm);
    }

    /** After the backward pass: every gradient becomes the sum over ranks. */
    public void finishGradients() { gradients.finish(); }

    /** The gradient all-reduce of the current graph (statistics), or null before {@link #attach}. */
    public GradientAllReduce gradients() { return gradients; }

    /** Sums {@code values} over ranks, in place. */
    public void sum(double[] values) { comm.sumInPlace(values); }

    /** Rank 0's weights, buffers and (when {@code withMomentum}) momentum buffers to every rank. */
    public void broadcastState(Module model, Backend be, boolean withMomentum) {
        List<Tensor> ts = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            ts.add(p.value());
            if (withMomentum) ts.add(p.velocity(be));
        }
        for (StateBuffer b : model.namedBuffers().values()) ts.add(b.value());
        broadcast(ts, be);
    }

    /** Rank 0's batch-norm running statistics to every rank (per-rank batch norm lets them drift apart). */
    public void broadcastBuffers(Module model, Backend be) {
        broadcast(model.namedBuffers().values().stream().map(StateBuffer::value).toList(), be);
    }

    private void broadcast(List<Tensor> tensors, Backend be) {
        long total = 0;
        for (Tensor t : tensors) total += t.shape().elements();
        if (total == 0) return;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(4 * total, 64);
            long off = 0;
            if (isRoot()) {
                for (Tensor t : tensors) {
                    float[] v = be.download(t);
                    MemorySegment.copy(v, 0, buf, ValueLayout.JAVA_FLOAT, 4 * off, v.length);
                    off += v.length;
                }
            }
            comm.broadcastFloats(buf, Math.toIntExact(total), 0);
            if (!isRoot()) {
                for (Tensor t : tensors) {
                    float[] v = new float[Math.toIntExact(t.shape().elements())];
                    MemorySegment.copy(buf, ValueLayout.JAVA_FLOAT, 4 * off, v, 0, v.length);
                    be.upload(v, t);
                    off += v.length;
                }
            }
        }
    }

    /** Ends every rank of the job with {@code code} (a rank failed alone); does not return. */
    public void abort(int code) { comm.abort(code); }

    /** After the last collective: frees the buckets and finalises MPI. */
    @Override
    public void close() {
        if (gradients != null) gradients.close();
        comm.close();
    }
}
