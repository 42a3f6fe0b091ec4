package dev.mgiad.opencl;

import dev.mgiad.engine.tensor.Storage;
import org.jocl.cl_mem;

/**
 * Device memory of an OpenCL tensor: one {@code cl_mem} buffer. It is freed when the storage becomes unreachable
 * or when its backend closes, whichever comes first; the host sees the data only through upload and download.
 */
public final class ClStorage implements Storage {
    private final ClContext owner;
    private final ClContext.Mem mem;
    private final long floats;

    ClStorage(ClContext owner, long floats) {
        this.owner = owner;
        this.floats = floats;
        this.mem = owner.allocate(floats * Float.BYTES, this);
    }

    ClContext owner() { return owner; }

    cl_mem mem() {
        if (mem.released()) throw new IllegalStateException("an OpenCL tensor was used after its backend was closed");
        return mem.mem;
    }

    @Override public long floats() { return floats; }
}
