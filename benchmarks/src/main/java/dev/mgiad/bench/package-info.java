/**
 * JMH benchmarks ({@code bin/bench ConvBench ...}): grouped against dense convolutions at the shapes the paper's
 * models run. The PyTorch peer scripts that the README's comparisons use live beside this module in
 * {@code benchmarks/peer}.
 */
package dev.mgiad.bench;
