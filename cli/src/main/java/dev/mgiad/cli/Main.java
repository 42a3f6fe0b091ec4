package dev.mgiad.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mgiad} command line. Errors go to stderr with a non-zero exit code: 2 for bad usage (picocli),
 * 1 for a failure of the job itself. A subcommand exists only once it does real work.
 */
@Command(name = "mgiad", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Multigrid CNNs (MGiaD, MgNet, ResNet) on the JVM: count, train, evaluate, benchmark.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, ExportCommand.class, ParamsCommand.class,
                StudyCommand.class, BenchCommand.class, DevicesCommand.class})
public final class Main {

    public static void main(String[] args) { System.exit(run(args)); }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // every float and double flag of every command: NaN and Infinity are never a meaningful setting
        cl.registerConverter(Float.class, s -> (float) finite(s));
        cl.registerConverter(Float.TYPE, s -> (float) finite(s));
        cl.registerConverter(Double.class, Main::finite);
        cl.registerConverter(Double.TYPE, Main::finite);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                    + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + describe(ex));
            if (System.getenv("MGIAD_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (VirtualMachineError e) {
            // picocli passes Errors through; out of memory or stack is still one line, not a stack trace
            System.err.println("mgiad: " + describe(e));
            if (System.getenv("MGIAD_DEBUG") != null) e.printStackTrace();
            return 1;
        }
    }

    private static double finite(String s) {
        double v;
        try {
            v = Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + s + "' is not a number");
        }
        if (!Double.isFinite(v) || s.strip().matches("(?i).*(nan|inf).*")) {
            throw new CommandLine.TypeConversionException("'" + s + "' is not a finite number");
        }
        if (v != 0 && Math.abs(v) > Float.MAX_VALUE) throw new CommandLine.TypeConversionException("'" + s + "' is out of range");
        return v;
    }

    /**
     * One line that names the problem, without a stack trace. Each domain has one exception type whose message is
     * written for the user (usage: IllegalArgumentException; data: DatasetException; run folder and checkpoints:
     * RunException; device: OpenClException); the file system's own exceptions get the file named; anything else
     * is a bug and shows its type.
     */
    static String describe(Throwable ex) {
        String m = ex.getMessage();
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (Java heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB): use a smaller "
                    + "--batch-size or model, or give Java more memory (MGIAD_JVM_OPTS=-Xmx<size>)";
        }
        if (ex instanceof StackOverflowError) return "stack overflow (input nested too deeply?)";
        if (ex instanceof java.nio.file.NoSuchFileException f) return "no such file or folder: " + f.getFile();
        if (ex instanceof java.nio.file.AccessDeniedException f) return "permission denied: " + f.getFile();
        if (ex instanceof java.nio.file.FileAlreadyExistsException f) return f.getFile() + " already exists";
        if (ex instanceof java.nio.file.NotDirectoryException f) return f.getFile() + " is not a folder";
        if (ex instanceof java.nio.file.FileSystemException f) {
            return (f.getFile() == null ? "" : f.getFile() + ": ") + (f.getReason() != null ? f.getReason() : ex.getClass().getSimpleName());
        }
        if (ex instanceof java.io.UncheckedIOException u) return describe(u.getCause());
        if (m != null && (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof java.io.IOException || ex instanceof dev.mgiad.datasets.DatasetException
                || ex instanceof dev.mgiad.opencl.OpenClException)) {
            return m;
        }
        return ex.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"mgiad " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ", "
                    + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors)"};
        }
    }
}
