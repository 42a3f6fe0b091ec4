/**
 * The {@code mgiad} command line (picocli): {@code train}, {@code eval}, {@code predict}, {@code export},
 * {@code params}, {@code study}, {@code bench conv|model|predict} and {@code devices}, one class per subcommand, with the shared
 * option groups {@link dev.mgiad.cli.ModelOptions}, {@link dev.mgiad.cli.DataOptions} and
 * {@link dev.mgiad.cli.DeviceOptions}. Commands only parse, validate and print; the work is done by the library
 * artifacts ({@code dev.mgiad:models}: {@code model}; {@code dev.mgiad:train}: {@code train}, {@code predict},
 * {@code export}, {@code perf}), which Java code can call directly without picocli or JOCL, and by {@code study}
 * (in this artifact, {@code dev.mgiad:cli}, since each study run is an {@code mgiad train} process). Errors are one line on stderr with exit code 1 (2 for bad usage), never a stack trace
 * ({@code MGIAD_DEBUG=1} prints it).
 */
package dev.mgiad.cli;
