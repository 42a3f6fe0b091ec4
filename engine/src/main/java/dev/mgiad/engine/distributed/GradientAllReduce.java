package dev.mgiad.engine.distributed;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.cpu.CpuStorage;
import dev.mgiad.engine.nn.Parameter;
import dev.mgiad.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sums the parameter gradients of all ranks before each optimizer step, in buckets, PyTorch DDP's design: the
 * gradients are packed into a few contiguous native buffers of about {@code bucketBytes}, and each bucket's
 * all-reduce starts as soon as the backward pass has finished every gradient in it ({@link Graph#onGradientReady}),
 * so communication overlaps the rest of the backward pass. {@link #finish()} waits for the last buckets and writes
 * the sums back into the gradients.
 *
 * <p>Buckets are formed at the end of the first step from the order in which gradients became final there (the
 * reverse of the forward pass, shared weights at their first use), which is the same on every rank because every
 * rank runs the same tape; bucket k is started only after bucket k-1, so all ranks issue the same collectives in
 * the same order. The first step reduces after its backward pass. A parameter without a gradient in a step
 * contributes zeros. With {@code overlap} false every step reduces after the backward pass (for measurements).
 */
public final class GradientAllReduce implements AutoCloseable {
    private final Communicator comm;
    private final Backend backend;
    private final List<Parameter> params;
    private final long bucketBytes;
    private final boolean overlap;
    private final Arena arena = Arena.ofShared();

    private List<Bucket> buckets;                 // null until the first step showed the order of readiness
    private final Map<Parameter, Bucket> bucketOf = new IdentityHashMap<>();
    private final Set<Parameter> readyOrder = new LinkedHashSet<>(); // first step only
    private int nextToStart;
    private long steps, bytesPerStep;
    private double waitSeconds;

    private static final class Bucket {
        final List<Parameter> params = new ArrayList<>();
        final List<Long> offsets = new ArrayList<>();
        MemorySegment buffer;
        int floats, readyCount;
        Communicator.Pending pending;
    }

    public GradientAllReduce(Communicator comm, Backend backend, List<Parameter> params, long bucketBytes, boolean overlap) {
        if (bucketBytes < 4) throw new IllegalArgumentException("bucket size must be at least one float, got " + bucketBytes + " bytes");
        this.comm = comm;
        this.backend = backend;
        this.params = params.stream().filter(p -> !p.unused()).toList();
        this.bucketBytes = bucketBytes;
        this.overlap = overlap;
    }

    /** Listens to {@code g}'s backward pass for finished gradients. */
    public void attach(Graph g) { g.onGradientReady(this::ready); }

    private void ready(Parameter p) {
        if (buckets == null) {
            readyOrder.add(p);
            return;
        }
        Bucket b = bucketOf.get(p);
        if (b == null || !overlap) return;
        b.readyCount++;
        while (nextToStart < buckets.size() && buckets.get(nextToStart).readyCount == buckets.get(nextToStart).params.size()) {
            start(buckets.get(nextToStart++));
        }
    }

    /**
     * After the backward pass: starts the buckets not yet started, waits for all, and writes the summed gradients
     * back (every parameter's gradient is then valid and equal on all ranks).
     */
    public void finish() {
        if (buckets == null) build();
        while (nextToStart < buckets.size()) start(buckets.get(nextToStart++));
        long t0 = System.nanoTime();
        for (Bucket b : buckets) b.pending.await();
        waitSeconds += (System.nanoTime() - t0) / 1e9;
        for (Bucket b : buckets) {
            for (int i = 0; i < b.params.size(); i++) unpack(b.params.get(i), b.buffer, b.offsets.get(i));
            b.readyCount = 0;
            b.pending = null;
        }
        nextToStart = 0;
        steps++;
    }

    private void build() {
        List<Parameter> order = new ArrayList<>(readyOrder);
        for (Parameter p : params) if (!readyOrder.contains(p)) order.add(p); // never used by the tape: last
        order.removeIf(Parameter::unused);
        buckets = new ArrayList<>();
        Bucket cur = null;
        for (Parameter p : order) {
            long floats = p.elements();
            if (cur == null || (cur.floats > 0 && 4L * (cur.floats + floats) > bucketBytes)) {
                cur = new Bucket();
                buckets.add(cur);
            }
            cur.params.add(p);
            cur.offsets.add((long) cur.floats);
            cur.floats = Math.toIntExact(cur.floats + floats);
            bucketOf.put(p, cur);
        }
        for (Bucket b : buckets) {
            b.buffer = arena.allocate(4L * b.floats, 64);
            bytesPerStep += 4L * b.floats;
        }
        readyOrder.clear();
    }

    private void start(Bucket b) {
        for (int i = 0; i < b.params.size(); i++) pack(b.params.get(i), b.buffer, b.offsets.get(i));
        b.pending = comm.allReduceFloatsAsync(b.buffer, b.floats);
    }

    private void pack(Parameter p, MemorySegment buf, long offset) {
        int n = Math.toIntExact(p.elements());
        Tensor g = p.gradOrNull();
        if (g == null) {
            buf.asSlice(4 * offset, 4L * n).fill((byte) 0);
        } else {
            float[] src = g.storage() instanceof CpuStorage cs ? cs.array() : backend.download(g);
            MemorySegment.copy(src, 0, buf, ValueLayout.JAVA_FLOAT, 4 * offset, n);
        }
    }

    private void unpack(Parameter p, MemorySegment buf, long offset) {
        int n = Math.toIntExact(p.elements());
        Tensor g = p.grad(backend);
        if (g.storage() instanceof CpuStorage cs) {
            MemorySegment.copy(buf, ValueLayout.JAVA_FLOAT, 4 * offset, cs.array(), 0, n);
        } else {
            float[] host = new float[n];
            MemorySegment.copy(buf, ValueLayout.JAVA_FLOAT, 4 * offset, host, 0, n);
            backend.upload(host, g);
        }
        p.markGradValid();
    }

    /** Buckets per step (0 before the first step). */
    public int bucketCount() { return buckets == null ? 0 : buckets.size(); }

    /** Bytes each rank all-reduces per step (0 before the first step). */
    public long bytesPerStep() { return bytesPerStep; }

    public long steps() { return steps; }

    /** Time spent waiting in {@link #finish()} for all-reduces that had not completed when the backward pass ended. */
    public double waitSeconds() { return waitSeconds; }

    @Override
    public void close() { arena.close(); }
}
