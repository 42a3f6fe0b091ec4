package dev.mgiad.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_CUSTOM;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_INVALID_DEVICE_TYPE;
import static org.jocl.CL.CL_INVALID_VALUE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device enumeration against fake platforms (one answering {@code CL_INVALID_DEVICE_TYPE} for ALL as Mesa's rusticl
 * does for JOCL's -1L, one failing outright) and against every platform installed here.
 */
class DeviceQueryTest {

    /** A fake platform: its devices per type, the status it answers for ALL (0: answers), the types it was asked. */
    private static final class FakePlatform implements DeviceQuery.ByType<String> {
        final Map<Long, List<String>> byType;
        final int allStatus;
        final Map<Long, Integer> typeStatus;
        final List<Long> asked = new ArrayList<>();

        FakePlatform(Map<Long, List<String>> byType, int allStatus, Map<Long, Integer> typeStatus) {
            this.byType = byType;
            this.allStatus = allStatus;
            this.typeStatus = typeStatus;
        }

        @Override public List<String> devices(long type) {
            asked.add(type);
            if (type == DeviceQuery.ALL) {
                if (allStatus != 0) throw new CLException(CL.stringFor_errorCode(allStatus), allStatus);
                return byType.values().stream().flatMap(List::stream).toList();
            }
            Integer status = typeStatus.get(type);
            if (status != null) throw new CLException(CL.stringFor_errorCode(status), status);
            List<String> d = byType.getOrDefault(type, List.of());
            if (d.isEmpty()) throw new CLException("CL_DEVICE_NOT_FOUND", CL_DEVICE_NOT_FOUND);
            return d;
        }
    }

    @Test
    void allIsTheSpecificationsValueNotJoclsMinusOne() {
        assertEquals(0xFFFFFFFFL, DeviceQuery.ALL);
        assertEquals(-1L, CL.CL_DEVICE_TYPE_ALL, "JOCL changed its constant: the comment in DeviceQuery is out of date");
        // rusticl's check: bits above the defined types make the type invalid
        long defined = 0xFFFFFFFFL;
        assertTrue((CL.CL_DEVICE_TYPE_ALL & ~defined) != 0);
        assertEquals(0, DeviceQuery.ALL & ~defined);
    }

    @Test
    void aPlatformThatAnswersAllIsAskedOnce() {
        FakePlatform p = new FakePlatform(Map.of(CL_DEVICE_TYPE_CPU, List.of("cpu0")), 0, Map.of());
        DeviceQuery.Found<String> f = DeviceQuery.devicesOf("PoCL", p);
        assertEquals(List.of("cpu0"), f.devices());
        assertNull(f.problem());
        assertEquals(List.of(DeviceQuery.ALL), p.asked);
    }

    @Test
    void aPlatformThatRefusesAllIsAskedByType() {
        FakePlatform p = new FakePlatform(Map.of(CL_DEVICE_TYPE_CPU, List.of("llvmpipe"),
                CL_DEVICE_TYPE_GPU, List.of("radeonsi0", "radeonsi1")), CL_INVALID_DEVICE_TYPE,
                Map.of(CL_DEVICE_TYPE_CUSTOM, CL_INVALID_DEVICE_TYPE));
        DeviceQuery.Found<String> f = DeviceQuery.devicesOf("rusticl", p);
        assertEquals(List.of("radeonsi0", "radeonsi1", "llvmpipe"), f.devices(), "GPUs first, then CPUs");
        assertNull(f.problem(), "found by type: nothing to report");
        assertEquals(List.of(DeviceQuery.ALL, CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ACCELERATOR, CL_DEVICE_TYPE_CPU,
                CL_DEVICE_TYPE_CUSTOM), p.asked);
    }

    @Test
    void aDeviceOfSeveralTypesIsListedOnce() {
        FakePlatform p = new FakePlatform(Map.of(CL_DEVICE_TYPE_CPU, List.of("d"), CL_DEVICE_TYPE_ACCELERATOR, List.of("d")),
                CL_INVALID_DEVICE_TYPE, Map.of());
        assertEquals(List.of("d"), DeviceQuery.devicesOf("x", p).devices());
    }

    @Test
    void aPlatformWithoutDevicesIsNoProblem() {
        assertEquals(new DeviceQuery.Found<>(List.of(), null),
                DeviceQuery.devicesOf("Clover", new FakePlatform(Map.of(), CL_DEVICE_NOT_FOUND, Map.of())));
        assertEquals(new DeviceQuery.Found<>(List.of(), null),
                DeviceQuery.devicesOf("rusticl", new FakePlatform(Map.of(), CL_INVALID_DEVICE_TYPE, Map.of())),
                "ALL refused, and no device of any type");
    }

    @Test
    void aPlatformThatCannotBeQueriedIsNamedWithEveryStatus() {
        DeviceQuery.Found<String> f = DeviceQuery.devicesOf("Broken", new FakePlatform(Map.of(), CL_INVALID_DEVICE_TYPE,
                Map.of(CL_DEVICE_TYPE_GPU, CL_OUT_OF_HOST_MEMORY, CL_DEVICE_TYPE_CPU, CL_INVALID_VALUE)));
        assertTrue(f.devices().isEmpty());
        assertEquals("OpenCL platform 'Broken' could not be queried: clGetDeviceIDs answered CL_INVALID_DEVICE_TYPE for "
                + "ALL, GPU CL_OUT_OF_HOST_MEMORY, CPU CL_INVALID_VALUE by type; its devices are not listed", f.problem());
        assertFalse(f.problem().contains("\n"));

        DeviceQuery.Found<String> g = DeviceQuery.devicesOf("Odd", new FakePlatform(Map.of(), CL_OUT_OF_HOST_MEMORY, Map.of()));
        assertEquals("OpenCL platform 'Odd' could not be queried: clGetDeviceIDs answered CL_OUT_OF_HOST_MEMORY for ALL "
                + "and found no device by type; its devices are not listed", g.problem());
    }

    @Test
    void devicesFoundByTypeAreKeptWhenAnotherTypeFails() {
        DeviceQuery.Found<String> f = DeviceQuery.devicesOf("Half", new FakePlatform(Map.of(CL_DEVICE_TYPE_CPU, List.of("c")),
                CL_INVALID_DEVICE_TYPE, Map.of(CL_DEVICE_TYPE_GPU, CL_OUT_OF_HOST_MEMORY)));
        assertEquals(List.of("c"), f.devices());
    }

    @Test
    void statusNamesAreTheHeadersNames() {
        assertEquals("CL_INVALID_DEVICE_TYPE", DeviceQuery.status(CL_INVALID_DEVICE_TYPE));
        assertEquals("status -123456", DeviceQuery.status(-123456));
    }

    /**
     * On every installed platform (PoCL, and rusticl where RUSTICL_ENABLE names a driver, in CI): asking by type
     * finds exactly the devices that ALL finds, and JOCL's -1L finds no more than the specification's ALL.
     */
    @Test
    void byTypeFindsWhatAllFindsOnEveryInstalledPlatform() {
        TestDevice.assumeOpenCl();
        int[] n = new int[1];
        CL.clGetPlatformIDs(0, null, n);
        cl_platform_id[] platforms = new cl_platform_id[n[0]];
        CL.clGetPlatformIDs(n[0], platforms, null);
        int total = 0;
        for (cl_platform_id p : platforms) {
            String name = platformName(p);
            DeviceQuery.ByType<cl_device_id> real = type -> ids(p, type);
            DeviceQuery.Found<cl_device_id> all = DeviceQuery.devicesOf(name, real);
            DeviceQuery.Found<cl_device_id> byType = DeviceQuery.devicesOf(name, type -> {
                if (type == DeviceQuery.ALL) throw new CLException("CL_INVALID_DEVICE_TYPE", CL_INVALID_DEVICE_TYPE);
                return real.devices(type);
            });
            assertNull(all.problem(), name);
            assertNull(byType.problem(), name);
            assertEquals(new HashSet<>(all.devices()), new HashSet<>(byType.devices()), name);
            total += all.devices().size();
        }
        assertEquals(total, OpenCl.devices().size(), "the listing has every device of every platform");
    }

    private static List<cl_device_id> ids(cl_platform_id p, long type) {
        int[] n = new int[1];
        CL.clGetDeviceIDs(p, type, 0, null, n);
        cl_device_id[] ds = new cl_device_id[n[0]];
        CL.clGetDeviceIDs(p, type, n[0], ds, null);
        return List.of(ds);
    }

    private static String platformName(cl_platform_id p) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, CL_PLATFORM_NAME, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, CL_PLATFORM_NAME, b.length, org.jocl.Pointer.to(b), null);
        return new String(b, 0, Math.max(0, b.length - 1), java.nio.charset.StandardCharsets.UTF_8);
    }
}
