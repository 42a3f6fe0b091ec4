package dev.mgiad.opencl;

import org.jocl.CL;
import org.jocl.CLException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_CUSTOM;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_INVALID_DEVICE_TYPE;

/**
 * How the devices of one platform are found, so that no platform is skipped without a word.
 *
 * <p>First {@code clGetDeviceIDs} with {@link #ALL}, the specification's {@code CL_DEVICE_TYPE_ALL} =
 * {@code 0xFFFFFFFF}. JOCL's own constant is {@code -1L} (all 64 bits set), which Mesa's rusticl refuses with
 * {@code CL_INVALID_DEVICE_TYPE} because bits above 32 name no device type; other drivers may refuse ALL for reasons
 * of their own. Where ALL is refused, each type is asked on its own (GPU, accelerator, CPU, custom) and the answers
 * are merged. A platform that still yields nothing because of an error (not because it has no device) comes back
 * with a one-line problem that names the platform and every status it answered.
 */
final class DeviceQuery {
    private DeviceQuery() { }

    /** {@code CL_DEVICE_TYPE_ALL} as the OpenCL headers define it (JOCL's {@link CL#CL_DEVICE_TYPE_ALL} is -1L). */
    static final long ALL = 0xFFFF_FFFFL;

    /** The types asked one by one where a platform refuses ALL, in the order their devices are listed. */
    static final long[] TYPES = {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ACCELERATOR, CL_DEVICE_TYPE_CPU, CL_DEVICE_TYPE_CUSTOM};

    /** One platform's {@code clGetDeviceIDs}: the devices of a type, or a {@link CLException} with the status. */
    @FunctionalInterface
    interface ByType<D> {
        List<D> devices(long type);
    }

    /** What a platform answered: its devices (possibly none) and, where it could not be queried, why. */
    record Found<D>(List<D> devices, String problem) { }

    static <D> Found<D> devicesOf(String platform, ByType<D> query) {
        int allStatus;
        try {
            return new Found<>(List.copyOf(query.devices(ALL)), null);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) return new Found<>(List.of(), null);
            allStatus = e.getStatus();
        }
        LinkedHashSet<D> found = new LinkedHashSet<>();
        List<String> errors = new ArrayList<>();
        for (long type : TYPES) {
            try {
                found.addAll(query.devices(type));
            } catch (CLException e) {
                // no device of this type, or a type the platform does not know (CUSTOM before OpenCL 1.2)
                if (e.getStatus() == CL_DEVICE_NOT_FOUND || e.getStatus() == CL_INVALID_DEVICE_TYPE) continue;
                errors.add(typeName(type) + " " + status(e.getStatus()));
            }
        }
        if (!found.isEmpty() || errors.isEmpty() && allStatus == CL_INVALID_DEVICE_TYPE) {
            // found by type, or no device of any type: the refused ALL alone is no problem
            return new Found<>(List.copyOf(found), null);
        }
        return new Found<>(List.of(), "OpenCL platform '" + platform + "' could not be queried: clGetDeviceIDs answered "
                + status(allStatus) + " for ALL" + (errors.isEmpty() ? " and found no device by type"
                : ", " + String.join(", ", errors) + " by type") + "; its devices are not listed");
    }

    /** The name of a status code, as the OpenCL headers spell it (CL_DEVICE_NOT_FOUND ...). */
    static String status(int code) {
        String s = CL.stringFor_errorCode(code);
        return s == null || !s.startsWith("CL_") ? "status " + code : s;
    }

    static String typeName(long type) {
        if ((type & CL_DEVICE_TYPE_GPU) != 0) return "GPU";
        if ((type & CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        if ((type & CL_DEVICE_TYPE_CUSTOM) != 0) return "custom";
        return "other";
    }
}
