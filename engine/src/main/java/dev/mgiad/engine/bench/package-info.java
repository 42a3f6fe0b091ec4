/**
 * Convolution benchmarks that run on any backend: {@link dev.mgiad.engine.bench.ConvBenchmark} times the problems
 * of {@code shared/bench/shapes.txt} ({@code mgiad bench conv}), {@link dev.mgiad.engine.bench.ConvSpotCheck}
 * verifies sampled results against a double-precision definition before anything is timed, and
 * {@link dev.mgiad.engine.bench.FmaPeak} measures the machine's FP32 peak for the GFLOP/s columns. Benchmarks are
 * never run as unit tests.
 */
package dev.mgiad.engine.bench;
