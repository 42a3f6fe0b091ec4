/**
 * Whole-model timing: {@link dev.mgiad.perf.ModelBenchmark} times training steps (forward with loss, backward,
 * optimizer) after warm-up, like timm's benchmark.py ({@code mgiad bench model}); {@link dev.mgiad.perf.PredictBenchmark}
 * times inference per batch size on the batched and the small-batch path ({@code mgiad bench predict}).
 */
package dev.mgiad.perf;
