package dev.mgiad.opencl;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.engine.backend.ConvParams;
import dev.mgiad.engine.conformance.BackendConformance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.TestAbortedException;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The OpenCL backend against the reference kernels on every device {@link TestDevice#all()} lists (every device
 * of every platform by default: PoCL and rusticl in CI) with the batch block {@code -Dmgiad.opencl.block}
 * (default 16). Skipped, with the probe's reason, where OpenCL is not usable.
 *
 * <p>The device {@code --device opencl} would take gets every case. The others run the convolution cases on
 * {@link #secondaryConvProblems()}, which needs exactly the kernel variants (conv2d.cl builds) of the full list,
 * so every kernel still runs on every device (Mesa's llvmpipe takes 75 ms a case on 2 cores, seven times PoCL);
 * {@code -Dmgiad.opencl.full=true} runs every case everywhere.
 *
 * <p>No extra slack: every kernel sums in float like the CPU, only in another order, and on PoCL and rusticl all
 * results lie within the suite's CPU tolerances.
 */
@ParameterizedClass(name = "{0}", allowZeroInvocations = true)
@MethodSource("dev.mgiad.opencl.TestDevice#named")
@ExtendWith(OpenClBackendConformanceTest.FewerShapesOnSecondaryDevices.class)
class OpenClBackendConformanceTest extends BackendConformance {
    /** The device of this invocation (the backend itself is opened once per invocation, below). */
    @Parameter OpenCl.DeviceInfo device;

    private static OpenClBackend backend;
    private static boolean primary;

    @BeforeAll
    static void requireOpenCl() { TestDevice.assumeOpenCl(); }

    @BeforeParameterizedClassInvocation
    static void open(OpenCl.DeviceInfo device) {
        backend = new OpenClBackend(device, Integer.getInteger("mgiad.opencl.block", OpenClBackend.DEFAULT_BATCH_BLOCK));
        primary = device.equals(TestDevice.primary()) || Boolean.getBoolean("mgiad.opencl.full");
        System.out.println("[opencl conformance] " + device.summary() + (primary ? "" : " (every kernel, fewer shapes)"));
    }

    @AfterParameterizedClassInvocation
    static void close() {
        if (backend != null) {
            System.out.println("[opencl conformance] " + backend.name() + ": " + backend.buildStats());
            backend.close();
            backend = null;
        }
    }

    @Override protected Backend backend() { return backend; }

    /**
     * The convolution cases of the secondary devices: for each kernel variant ({@link OpenClBackend#convVariant}),
     * the last case of {@link #convProblems()} with one batch block and the last with several, each on a square
     * and on a non-square image where the list has them (the list ends with its odd shapes and special cases).
     */
    static List<ConvParams> secondaryConvProblems() {
        List<ConvParams> all = convProblems();
        Set<String> seen = new HashSet<>();
        List<ConvParams> keep = new ArrayList<>();
        for (ConvParams p : all.reversed()) {
            String key = OpenClBackend.convVariant(p) + (p.n() > OpenClBackend.DEFAULT_BATCH_BLOCK ? " blocks" : " block")
                    + (p.h() == p.w() ? " square" : " oblong");
            if (seen.add(key)) keep.add(p);
        }
        return keep.reversed();
    }

    /** Skips (with a reason) the convolution cases outside {@link #secondaryConvProblems()} on secondary devices. */
    static final class FewerShapesOnSecondaryDevices implements InvocationInterceptor {
        private static final List<ConvParams> KEEP = secondaryConvProblems();

        @Override
        public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                                ExtensionContext context) throws Throwable {
            if (!primary && call.getArguments().size() == 1 && call.getArguments().getFirst() instanceof ConvParams p
                    && !KEEP.contains(p)) {
                invocation.skip();
                throw new TestAbortedException("a shape of a kernel variant tested on this device already (the device "
                        + "--device opencl takes runs every case; -Dmgiad.opencl.full=true for all here)");
            }
            invocation.proceed();
        }
    }
}
