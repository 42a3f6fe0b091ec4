package dev.mgiad.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

/**
 * One device's context and in-order queue, the programs built for it (cached by source file and build options),
 * and the device buffers allocated in it. Not thread-safe: one thread drives a backend, as on the CPU; only the
 * {@link Cleaner} releases buffers from its own thread, which OpenCL allows.
 */
final class ClContext implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    final OpenCl.DeviceInfo info;
    private final cl_device_id device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Map<String, String> sources = new HashMap<>();
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Set<Mem> live = ConcurrentHashMap.newKeySet();
    private long buildNanos;
    private boolean closed;

    ClContext(OpenCl.DeviceInfo info) {
        OpenCl.Availability a = OpenCl.probe();
        if (!a.available()) throw new IllegalStateException("OpenCL is not usable: " + a.reason());
        this.info = info;
        OpenCl.Handles h = call("selecting " + info.name(), () -> OpenCl.handles(info));
        this.device = h.device();
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, h.platform());
        this.context = call("clCreateContext", () ->
                CL.clCreateContext(props, 1, new cl_device_id[]{device}, null, null, null));
        cl_command_queue q;
        try {
            q = CL.clCreateCommandQueue(context, device, 0, null);
        } catch (CLException e) {
            CL.clReleaseContext(context);
            throw new OpenClException("clCreateCommandQueue on " + info.name() + ": " + e.getMessage());
        }
        this.queue = q;
    }

    /** Runs an OpenCL call, turning JOCL's exception into one naming the operation. */
    static <T> T call(String what, Supplier<T> body) {
        try {
            return body.get();
        } catch (CLException e) {
            throw new OpenClException(what + ": " + e.getMessage());
        }
    }

    static void run(String what, Runnable body) {
        try {
            body.run();
        } catch (CLException e) {
            throw new OpenClException(what + ": " + e.getMessage());
        }
    }

    private void open() {
        if (closed) throw new IllegalStateException("the OpenCL backend on " + info.name() + " is closed");
    }

    // ------------------------------------------------------------------ programs

    /** Nanoseconds spent in {@code clBuildProgram} so far (for reports: PoCL builds cost 30-600 ms each). */
    long buildNanos() { return buildNanos; }

    int programCount() { return programs.size(); }

    /** The kernel {@code name} of resource {@code file} built with {@code options}; built once, then cached. */
    cl_kernel kernel(String file, String options, String name) {
        open();
        String key = file + '\n' + options;
        cl_program p = programs.get(key);
        if (p == null) {
            p = build(file, options);
            programs.put(key, p);
        }
        String kkey = key + '\n' + name;
        cl_kernel k = kernels.get(kkey);
        if (k == null) {
            cl_program prog = p;
            k = call("clCreateKernel(" + name + ") from " + file, () -> CL.clCreateKernel(prog, name, null));
            kernels.put(kkey, k);
        }
        return k;
    }

    private String source(String file) {
        return sources.computeIfAbsent(file, f -> {
            try (InputStream in = ClContext.class.getResourceAsStream(f)) {
                if (in == null) throw new IllegalStateException("kernel source " + f + " is missing from the jar");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("reading kernel source " + f + ": " + e.getMessage(), e);
            }
        });
    }

    private cl_program build(String file, String options) {
        String src = source(file);
        cl_program p = call("clCreateProgramWithSource(" + file + ")",
                () -> CL.clCreateProgramWithSource(context, 1, new String[]{src}, null, null));
        long t0 = System.nanoTime();
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[]{device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p);
            CL.clReleaseProgram(p);
            throw new OpenClException("building " + file + " with '" + options + "' for " + info.name() + ": "
                    + e.getMessage() + (log.isBlank() ? "" : "\n" + log));
        } finally {
            buildNanos += System.nanoTime() - t0;
        }
        return p;
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] b = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            int n = 0;
            while (n < b.length && b[n] != 0) n++;
            return new String(b, 0, n, StandardCharsets.UTF_8).strip();
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    /** Sets a kernel's arguments in order and enqueues it. */
    Launch launch(String file, String options, String name) { return new Launch(kernel(file, options, name), name); }

    final class Launch {
        private final cl_kernel k;
        private final String name;
        private final List<ClStorage> buffers = new ArrayList<>(8);
        private int i;

        private Launch(cl_kernel k, String name) {
            this.k = k;
            this.name = name;
        }

        private Launch arg(long size, Pointer p) {
            int at = i++;
            ClContext.run("clSetKernelArg(" + name + ", " + at + ")", () -> CL.clSetKernelArg(k, at, size, p));
            return this;
        }

        Launch mem(ClStorage s) {
            buffers.add(s);
            return arg(Sizeof.cl_mem, Pointer.to(s.mem()));
        }

        Launch i32(int v) { return arg(Sizeof.cl_int, Pointer.to(new int[]{v})); }

        Launch f32(float v) { return arg(Sizeof.cl_float, Pointer.to(new float[]{v})); }

        /** Enqueues over {@code global} work-items in groups of {@code local}; each global size is a multiple. */
        void run(long[] global, long[] local) {
            for (int d = 0; d < global.length; d++) {
                if (global[d] % local[d] != 0) {
                    throw new IllegalArgumentException(name + ": global size " + global[d] + " is not a multiple of " + local[d]);
                }
            }
            ClContext.run("clEnqueueNDRangeKernel(" + name + ")",
                    () -> CL.clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null));
            // until here a buffer's storage must not be collected (and its cl_mem released by the Cleaner);
            // once enqueued, OpenCL keeps the memory until the kernel is done
            Reference.reachabilityFence(buffers);
        }
    }

    // ------------------------------------------------------------------ memory

    /** A device buffer; released by {@link #release}, by the Cleaner when unreachable, or when the context closes. */
    static final class Mem implements Runnable {
        final cl_mem mem;
        private final Set<Mem> owner;
        private final AtomicBoolean released = new AtomicBoolean();

        private Mem(cl_mem mem, Set<Mem> owner) {
            this.mem = mem;
            this.owner = owner;
        }

        boolean released() { return released.get(); }

        @Override public void run() {
            if (released.compareAndSet(false, true)) {
                owner.remove(this);
                try {
                    CL.clReleaseMemObject(mem);
                } catch (CLException ignored) {
                    // the context is gone already; nothing left to free
                }
            }
        }
    }

    /** A new uninitialised buffer of {@code bytes}, released by the Cleaner once {@code holder} is unreachable. */
    Mem allocate(long bytes, Object holder) {
        open();
        long size = Math.max(bytes, 4);
        cl_mem m = call("clCreateBuffer(" + size + " bytes) on " + info.name(),
                () -> CL.clCreateBuffer(context, CL_MEM_READ_WRITE, size, null, null));
        Mem mem = new Mem(m, live);
        live.add(mem);
        if (holder != null) CLEANER.register(holder, mem);
        return mem;
    }

    // The transfers below fence their storages for the reason given in Launch.run.

    void fillZero(ClStorage s, long bytes) {
        if (bytes == 0) return;
        run("clEnqueueFillBuffer", () -> CL.clEnqueueFillBuffer(queue, s.mem(), Pointer.to(new float[]{0f}),
                Sizeof.cl_float, 0, bytes, 0, null, null));
        Reference.reachabilityFence(s);
    }

    void copy(ClStorage src, ClStorage dst, long bytes) {
        if (bytes == 0) return;
        run("clEnqueueCopyBuffer", () -> CL.clEnqueueCopyBuffer(queue, src.mem(), dst.mem(), 0, 0, bytes, 0, null, null));
        Reference.reachabilityFence(src);
        Reference.reachabilityFence(dst);
    }

    void write(ClStorage dst, float[] src, int floats) {
        run("clEnqueueWriteBuffer", () -> CL.clEnqueueWriteBuffer(queue, dst.mem(), true, 0,
                (long) floats * Sizeof.cl_float, Pointer.to(src), 0, null, null));
        Reference.reachabilityFence(dst);
    }

    void read(ClStorage src, float[] dst, int floats) {
        run("clEnqueueReadBuffer", () -> CL.clEnqueueReadBuffer(queue, src.mem(), true, 0,
                (long) floats * Sizeof.cl_float, Pointer.to(dst), 0, null, null));
        Reference.reachabilityFence(src);
    }

    void finish() {
        open();
        run("clFinish", () -> CL.clFinish(queue));
    }

    @Override
    public void close() {
        if (closed) return;
        quietly(() -> CL.clFinish(queue));
        closed = true;
        for (Mem m : live.toArray(new Mem[0])) m.run();
        for (cl_kernel k : kernels.values()) quietly(() -> CL.clReleaseKernel(k));
        for (cl_program p : programs.values()) quietly(() -> CL.clReleaseProgram(p));
        kernels.clear();
        programs.clear();
        quietly(() -> CL.clReleaseCommandQueue(queue));
        quietly(() -> CL.clReleaseContext(context));
    }

    /** A release step of {@link #close}: an error there (a lost device) must not hide the others or the caller's. */
    private static void quietly(Runnable release) {
        try {
            release.run();
        } catch (CLException ignored) {
            // nothing left to free
        }
    }
}
