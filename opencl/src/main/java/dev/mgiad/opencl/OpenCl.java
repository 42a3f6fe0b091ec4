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
import static org.jocl.CL.CL_DEVICE_HOST_UNIFIED_MEMORY;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_OPENCL_C_VERSION;
import static org.jocl.CL.CL_DEVICE_TYPE;
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
                             int computeUnits, long maxWorkGroupSize, boolean unifiedMemory) {
        /** One line: index, name, type, version, memory, compute units, work-group size. */
        public String summary() {
            return String.format("opencl:%d  %s (%s, %s) on %s: %s, %s, %.1f GiB global, %d KiB local, "
                            + "%d compute units, max work-group %d",
                    index, name, type, vendor, platform, version, openclC, globalMemBytes / (double) (1L << 30),
                    localMemBytes >> 10, computeUnits, maxWorkGroupSize);
        }

        /** Short: {@code opencl:N name (type, platform)}. */
        public String label() { return "opencl:" + index + " " + name + " (" + type + ", " + platform + ")"; }

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
            Listing listing = enumerate(null);
            if (listing.devices().isEmpty()) {
                return Availability.no("OpenCL platforms exist but none has a device"
                        + (listing.problems().isEmpty() ? "" : " (" + String.join("; ", listing.problems()) + ")"));
            }
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
    public static List<DeviceInfo> devices() { return listing().devices(); }

    /**
     * Every device of every platform in a stable order, and one line for each platform (or device) that could not
     * be queried; empty when OpenCL is not usable.
     */
    public static Listing listing() {
        if (!probe().available()) return new Listing(List.of(), List.of(), List.of());
        try {
            return enumerate(null);
        } catch (CLException e) {
            throw new OpenClException("listing OpenCL devices: " + e.getMessage());
        }
    }

    /** A device and, in a few words, why it was taken. */
    public record Choice(DeviceInfo device, String why) { }

    /**
     * The device a spec names: {@code opencl} is chosen by {@link #choose}; {@code opencl:N} is entry N of
     * {@link #devices()}.
     *
     * @throws IllegalArgumentException for a malformed spec, a missing device, or no OpenCL at all (with the probe's reason)
     */
    public static DeviceInfo select(String spec) { return resolve(spec).device(); }

    /** {@link #select} with the reason of the choice, for the line train and bench print first. */
    public static Choice resolve(String spec) {
        Availability a = probe();
        if (!a.available()) throw new IllegalArgumentException("device '" + spec + "': OpenCL is not usable: " + a.reason());
        List<DeviceInfo> all = devices();
        if (spec.equals("opencl")) return choose(all);
        if (spec.startsWith("opencl:")) {
            int n;
            try {
                n = Integer.parseInt(spec.substring("opencl:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("device '" + spec + "': expected opencl or opencl:N with N a number");
            }
            if (n < 0 || n >= all.size()) {
                throw new IllegalArgumentException("device '" + spec + "': there are " + all.size()
                        + " OpenCL devices, opencl:0 .. opencl:" + (all.size() - 1) + " (see mgiad devices)");
            }
            return new Choice(all.get(n), "as asked (" + spec + ")");
        }
        throw new IllegalArgumentException("device '" + spec + "': expected opencl or opencl:N");
    }

    /**
     * The rule of {@code --device opencl}: a GPU with its own memory (a discrete card before the integrated GPU
     * of the same machine), else any GPU, else the first CPU device, else the first device, each time the first
     * in listing order.
     */
    static Choice choose(List<DeviceInfo> all) {
        if (all.isEmpty()) throw new IllegalArgumentException("there is no OpenCL device");
        long gpus = all.stream().filter(DeviceInfo::gpu).count();
        for (DeviceInfo d : all) {
            if (d.gpu() && !d.unifiedMemory()) {
                return new Choice(d, gpus == 1 ? "the only GPU" : "the first GPU with its own memory, of " + gpus + " GPUs");
            }
        }
        for (DeviceInfo d : all) {
            if (d.gpu()) return new Choice(d, gpus == 1 ? "the only GPU" : "the first of " + gpus + " GPUs");
        }
        for (DeviceInfo d : all) {
            if (d.type().equals("CPU")) {
                return new Choice(d, "no GPU found, took the first CPU device" + (all.size() == 1 ? "" : " of "
                        + all.size() + " OpenCL devices (opencl:N picks another)"));
            }
        }
        return new Choice(all.getFirst(), "no GPU or CPU device found, took the first OpenCL device");
    }

    /** The platform and device handles behind a listing entry. */
    record Handles(cl_platform_id platform, cl_device_id device) { }

    static Handles handles(DeviceInfo info) {
        Handles[] out = new Handles[1];
        Listing now = enumerate((i, p, d) -> { if (i == info.index()) out[0] = new Handles(p, d); });
        if (out[0] == null || !now.devices().get(info.index()).name().equals(info.name())) {
            throw new IllegalArgumentException("OpenCL device " + info.index() + " (" + info.name() + ") is gone");
        }
        return out[0];
    }

    /**
     * Every device found, one line for each platform or device that could not be queried, and the names of the
     * platforms that answered without a device (rusticl does unless RUSTICL_ENABLE names a driver).
     */
    public record Listing(List<DeviceInfo> devices, List<String> problems, List<String> emptyPlatforms) { }

    private interface Visitor { void visit(int index, cl_platform_id p, cl_device_id d); }

    /** Platforms in the loader's order, each one's devices as {@link DeviceQuery} finds them. */
    private static Listing enumerate(Visitor visitor) {
        int[] count = new int[1];
        CL.clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        if (count[0] > 0) CL.clGetPlatformIDs(count[0], platforms, null);
        List<DeviceInfo> out = new ArrayList<>();
        List<String> problems = new ArrayList<>(), empty = new ArrayList<>();
        for (int pi = 0; pi < platforms.length; pi++) {
            cl_platform_id p = platforms[pi];
            String pname;
            try {
                pname = platformString(p, CL_PLATFORM_NAME);
            } catch (CLException e) {
                pname = "#" + pi;
                problems.add("OpenCL platform #" + pi + ": its name could not be read ("
                        + DeviceQuery.status(e.getStatus()) + ")");
            }
            DeviceQuery.Found<cl_device_id> found = DeviceQuery.devicesOf(pname, type -> deviceIds(p, type));
            if (found.problem() != null) problems.add(found.problem());
            else if (found.devices().isEmpty()) empty.add(pname);
            for (cl_device_id d : found.devices()) {
                int index = out.size();
                try {
                    out.add(describe(index, pname, d));
                } catch (CLException e) {
                    problems.add("a device of OpenCL platform '" + pname + "' could not be described ("
                            + DeviceQuery.status(e.getStatus()) + "); it is not listed");
                    continue;
                }
                if (visitor != null) visitor.visit(index, p, d);
            }
        }
        return new Listing(List.copyOf(out), List.copyOf(problems), List.copyOf(empty));
    }

    private static List<cl_device_id> deviceIds(cl_platform_id p, long type) {
        int[] n = new int[1];
        CL.clGetDeviceIDs(p, type, 0, null, n);
        cl_device_id[] ds = new cl_device_id[n[0]];
        if (n[0] > 0) CL.clGetDeviceIDs(p, type, n[0], ds, null);
        return List.of(ds);
    }

    private static DeviceInfo describe(int index, String platform, cl_device_id d) {
        boolean unified;
        try {
            unified = deviceInt(d, CL_DEVICE_HOST_UNIFIED_MEMORY) != 0;
        } catch (CLException e) {
            unified = false; // deprecated since OpenCL 2.0: a driver may not answer; then assume its own memory
        }
        return new DeviceInfo(index, platform, deviceString(d, CL_DEVICE_NAME), deviceString(d, CL_DEVICE_VENDOR),
                deviceString(d, CL_DEVICE_VERSION), deviceString(d, CL_DEVICE_OPENCL_C_VERSION),
                DeviceQuery.typeName(deviceLong(d, CL_DEVICE_TYPE)), deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                deviceLong(d, CL_DEVICE_LOCAL_MEM_SIZE), (int) deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS),
                deviceSizeT(d, CL_DEVICE_MAX_WORK_GROUP_SIZE), unified);
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
        Listing listing = listing();
        for (DeviceInfo d : listing.devices()) System.out.println(d.summary());
        for (String problem : listing.problems()) System.out.println("problem: " + problem);
    }
}
