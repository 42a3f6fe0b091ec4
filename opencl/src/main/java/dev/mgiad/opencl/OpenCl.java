package dev.mgiad.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_OPENCL_C_VERSION;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VENDOR;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;

/**
 * Whether OpenCL is usable here, which devices there are, and which one a device spec ({@code opencl},
 * {@code opencl:N}) names.
 *
 * <p>JOCL fails loudly on machines without OpenCL: its native code prints to stdout when {@code libOpenCL.so} is
 * missing and the class {@code org.jocl.CL} is then unusable for the life of the JVM. {@link #probe()} therefore
 * first looks for the loader silently through the FFM API and only then touches JOCL, inside
 * {@code catch (Throwable)}; the answer is computed once and cached. Callers ask {@link #probe()} before anything
 * else in this package.
 */
public final class OpenCl {
    private OpenCl() { }

    /** The loader JOCL 2.0.5 opens (exactly this name: the runtime package alone ships only {@code .so.1}). */
    static final String LOADER = "libOpenCL.so";

    /** The probe's answer: usable, or the reason why not, in one line. */
    public record Availability(boolean available, String reason) {
        static Availability yes() { return new Availability(true, null); }
        static Availability no(String reason) { return new Availability(false, reason); }
    }

    /** A device as {@code mgiad devices} lists it; {@code index} is the N of {@code opencl:N}. */
    public record DeviceInfo(int index, String platform, String name, String vendor, String version,
                             String openclC, String type, long globalMemBytes, long localMemBytes,
                             int computeUnits, long maxWorkGroupSize) {
        /** One line: index, name, type, version, memory, compute units, work-group size. */
        public String summary() {
            return String.format("opencl:%d  %s (%s, %s) on %s: %s, %s, %.1f GiB global, %d KiB local, "
                            + "%d compute units, max work-group %d",
                    index, name, type, vendor, platform, version, openclC, globalMemBytes / (double) (1L << 30),
                    localMemBytes >> 10, computeUnits, maxWorkGroupSize);
        }

        public boolean gpu() { return type.equals("GPU"); }
    }

    private static Availability cached;

    /** Whether OpenCL is usable (a loader, a platform and at least one device); computed once. */
    public static synchronized Availability probe() {
        if (cached == null) cached = probe(LOADER);
        return cached;
    }

    /** The probe against a given loader name (tests inject a missing one). Never throws, never prints. */
    static Availability probe(String loader) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(loader, arena);
        } catch (Throwable t) {
            return Availability.no("the OpenCL loader " + loader + " cannot be opened (install an ICD loader with "
                    + "its development link, e.g. apt-get install ocl-icd-libopencl1 ocl-icd-opencl-dev, and a "
                    + "driver such as pocl-opencl-icd or the GPU vendor's)");
        }
        try {
            CL.setExceptionsEnabled(true);
            List<DeviceInfo> devices = enumerate(null);
            if (devices.isEmpty()) return Availability.no("OpenCL platforms exist but none has a device");
            return Availability.yes();
        } catch (CLException e) {
            String what = e.getMessage();
            if (what != null && what.contains("PLATFORM_NOT_FOUND")) {
                return Availability.no("no OpenCL platform is installed (" + what + "; the loader found no ICD "
                        + "in /etc/OpenCL/vendors or OCL_ICD_VENDORS)");
            }
            return Availability.no("OpenCL query failed: " + what);
        } catch (Throwable t) {
            return Availability.no("JOCL cannot start: " + t.getClass().getSimpleName()
                    + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
    }

    /** Every device of every platform in a stable order; empty when OpenCL is not usable. */
    public static List<DeviceInfo> devices() {
        if (!probe().available()) return List.of();
        try {
            return enumerate(null);
        } catch (CLException e) {
            throw new OpenClException("listing OpenCL devices: " + e.getMessage());
        }
    }

    /**
     * The device a spec names: {@code opencl} is the first GPU, else the first device; {@code opencl:N} is entry
     * N of {@link #devices()}.
     *
     * @throws IllegalArgumentException for a malformed spec, a missing device, or no OpenCL at all (with the probe's reason)
     */
    public static DeviceInfo select(String spec) {
        Availability a = probe();
        if (!a.available()) throw new IllegalArgumentException("device '" + spec + "': OpenCL is not usable: " + a.reason());
        List<DeviceInfo> all = devices();
        if (spec.equals("opencl")) return all.stream().filter(DeviceInfo::gpu).findFirst().orElse(all.getFirst());
        if (spec.startsWith("opencl:")) {
            int n;
            try {
                n = Integer.parseInt(spec.substring("opencl:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("device '" + spec + "': expected opencl or opencl:N with N a number");
            }
            if (n < 0 || n >= all.size()) {
                throw new IllegalArgumentException("device '" + spec + "': there are " + all.size()
                        + " OpenCL devices, opencl:0 .. opencl:" + (all.size() - 1));
            }
            return all.get(n);
        }
        throw new IllegalArgumentException("device '" + spec + "': expected opencl or opencl:N");
    }

    /** The platform and device handles behind a listing entry. */
    record Handles(cl_platform_id platform, cl_device_id device) { }

    static Handles handles(DeviceInfo info) {
        Handles[] out = new Handles[1];
        List<DeviceInfo> now = enumerate((i, p, d) -> { if (i == info.index()) out[0] = new Handles(p, d); });
        if (out[0] == null || !now.get(info.index()).name().equals(info.name())) {
            throw new IllegalArgumentException("OpenCL device " + info.index() + " (" + info.name() + ") is gone");
        }
        return out[0];
    }

    private interface Visitor { void visit(int index, cl_platform_id p, cl_device_id d); }

    private static List<DeviceInfo> enumerate(Visitor visitor) {
        int[] count = new int[1];
        CL.clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        if (count[0] > 0) CL.clGetPlatformIDs(count[0], platforms, null);
        List<DeviceInfo> out = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            String pname = platformString(p, CL_PLATFORM_NAME);
            int[] nd = new int[1];
            try {
                CL.clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, nd);
            } catch (CLException e) {
                continue; // CL_DEVICE_NOT_FOUND: a platform without devices
            }
            cl_device_id[] ds = new cl_device_id[nd[0]];
            CL.clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd[0], ds, null);
            for (cl_device_id d : ds) {
                int index = out.size();
                out.add(new DeviceInfo(index, pname, deviceString(d, CL_DEVICE_NAME), deviceString(d, CL_DEVICE_VENDOR),
                        deviceString(d, CL_DEVICE_VERSION), deviceString(d, CL_DEVICE_OPENCL_C_VERSION),
                        typeName(deviceLong(d, CL_DEVICE_TYPE)), deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                        deviceLong(d, CL_DEVICE_LOCAL_MEM_SIZE), (int) deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                        deviceSizeT(d, CL_DEVICE_MAX_WORK_GROUP_SIZE)));
                if (visitor != null) visitor.visit(index, p, d);
            }
        }
        return out;
    }

    private static String typeName(long t) {
        if ((t & CL_DEVICE_TYPE_GPU) != 0) return "GPU";
        if ((t & CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((t & CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        return "other";
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8).trim();
    }

    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    static long deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0] & 0xffffffffL;
    }

    static long deviceSizeT(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return Sizeof.size_t == 4 ? v[0] & 0xffffffffL : v[0];
    }

    /**
     * Prints the probe's answer and the device list ({@code java -cp ... dev.mgiad.opencl.OpenCl}); the tests run
     * it in a child JVM with {@code OCL_ICD_VENDORS} pointing at an empty folder.
     */
    public static void main(String[] args) {
        Availability a = probe();
        if (!a.available()) {
            System.out.println("unavailable: " + a.reason());
            return;
        }
        for (DeviceInfo d : devices()) System.out.println(d.summary());
    }
}
