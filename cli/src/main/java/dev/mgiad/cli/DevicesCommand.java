package dev.mgiad.cli;

import dev.mgiad.opencl.OpenCl;
import dev.mgiad.opencl.SelfTest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code mgiad devices}: the CPU backend and every OpenCL device of every platform, each with a self-test, then
 * the platforms that could not be queried or have no device, and which device {@code --device opencl} takes.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"Lists the backends: the CPU and every OpenCL device of every platform with its type, memory, "
                + "compute units and a one-second self-test (a small convolution against the CPU reference), "
                + "then which device --device opencl takes.",
                "Exit code 0 even when a self-test fails: the table says which device works."})
final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--no-self-test", description = "List only; do not run the self-test on each device.")
    boolean noSelfTest;

    @Option(names = {"-v", "--verbose"}, description = "Also print each device's OpenCL version, local memory and work-group limit.")
    boolean verbose;

    /** Seconds after which a device that does not answer the self-test is reported as hanging. */
    static final double SELF_TEST_LIMIT = 20;

    @Override
    public Integer call() {
        System.out.println("cpu        " + Runtime.getRuntime().availableProcessors() + " processors, "
                + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors (Vector API)");
        String why = DeviceOptions.openClStatus();
        if (why != null) {
            System.out.println("opencl     unavailable: " + why);
            return 0;
        }
        OpenCl.Listing listing = OpenCl.listing();
        Function<OpenCl.DeviceInfo, String> test = noSelfTest ? d -> "not run"
                : d -> SelfTest.run(d, SELF_TEST_LIMIT).line();
        for (String line : render(listing, test, OpenCl.resolve("opencl"))) System.out.println(line);
        if (verbose) for (OpenCl.DeviceInfo d : listing.devices()) System.out.println(d.summary());
        return 0;
    }

    /**
     * The table of OpenCL devices (device, platform, type, memory, compute units, self-test, name), then one line
     * per platform that could not be queried or has no device, then the device {@code --device opencl} takes.
     * {@code selfTest} is called once per device, in listing order.
     */
    static List<String> render(OpenCl.Listing listing, Function<OpenCl.DeviceInfo, String> selfTest, OpenCl.Choice auto) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"device", "platform", "type", "memory", "units", "self-test", "name"});
        for (OpenCl.DeviceInfo d : listing.devices()) {
            rows.add(new String[]{"opencl:" + d.index(), d.platform(), d.type(),
                    String.format(Locale.ROOT, "%.1f GiB", d.globalMemBytes() / (double) (1L << 30)),
                    Integer.toString(d.computeUnits()), selfTest.apply(d), d.name()});
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        List<String> out = new ArrayList<>();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(width[i] - r[i].length() + 2));
            }
            out.add(line.toString());
        }
        for (String problem : listing.problems()) out.add("problem: " + problem);
        for (String platform : listing.emptyPlatforms()) {
            out.add("platform '" + platform + "' has no device" + (platform.equals("rusticl")
                    ? " (rusticl shows only the drivers RUSTICL_ENABLE names, e.g. RUSTICL_ENABLE=llvmpipe for the CPU, "
                    + "radeonsi or iris for AMD and Intel GPUs)" : ""));
        }
        out.add("--device opencl takes " + auto.device().label() + ": " + auto.why());
        return out;
    }
}
