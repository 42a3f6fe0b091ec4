package dev.mgiad.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mgiad} command line. Errors go to stderr with a non-zero exit code: 2 for bad usage (picocli),
 * 1 for a failure of the job itself. A subcommand exists only once it does real work.
 */
@Command(name = "mgiad", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Multigrid CNNs (MGiaD, MgNet, ResNet) on the JVM: count, train, evaluate, benchmark.",
        subcommands = {TrainCommand.class, EvalCommand.class, ParamsCommand.class, StudyCommand.class, BenchCommand.class, DevicesCommand.class})
public final class Main {

    public static void main(String[] args) { System.exit(run(args)); }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
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
        return cl.execute(args);
    }

    /** One line that names the problem, without a stack trace. */
    static String describe(Throwable ex) {
        String m = ex.getMessage();
        if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex.getClass().getSimpleName().endsWith("Exception") && m != null) {
            return m == null ? ex.getClass().getSimpleName() : m;
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
