package dev.mgiad.cli;

import picocli.CommandLine.Command;

/** {@code mgiad bench ...}: speed measurements. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks: convolutions, whole models.",
        subcommands = {BenchConvCommand.class, BenchModelCommand.class, BenchPredictCommand.class,
                BenchAllReduceCommand.class, BenchWarmupCommand.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getErr()); }
}
