package dev.mgiad.cli;

import dev.mgiad.opencl.OpenCl;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code mgiad devices}: the CPU backend and every OpenCL platform and device. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Lists the backends: the CPU and every OpenCL device with its memory and compute units.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("cpu        " + Runtime.getRuntime().availableProcessors() + " processors, "
                + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors (Vector API)");
        String why = DeviceOptions.openClStatus();
        if (why != null) {
            System.out.println("opencl     unavailable: " + why);
            return 0;
        }
        for (OpenCl.DeviceInfo d : OpenCl.devices()) System.out.println(d.summary());
        return 0;
    }
}
