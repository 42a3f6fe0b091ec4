/**
 * Training runs and their files. Artifact {@code dev.mgiad:train} (with {@code predict}, {@code export} and
 * {@code perf}), which needs models and data sets, not OpenCL or the command line.
 *
 * <p>{@link dev.mgiad.train.TrainingRun} is what {@code mgiad train} does, callable from Java: a new or resumed run in
 * one folder; {@link dev.mgiad.train.Trainer} is the loop (SGD over prepared batches, evaluation, metrics, a
 * checkpoint per epoch), with options in {@link dev.mgiad.train.TrainOptions}. A run folder holds
 * {@link dev.mgiad.train.Checkpoint}s: {@code model.safetensors} (weights and batch-norm buffers under PyTorch's
 * state-dict names; files with the older {@code gamma}/{@code beta} names still load), {@code optimizer.safetensors}
 * and {@code state.json} ({@link dev.mgiad.train.RunState}), committed atomically through
 * {@link dev.mgiad.train.AtomicFiles}, plus metrics ({@link dev.mgiad.train.MetricsLog}). The file formats are
 * {@link dev.mgiad.train.SafeTensors} and a bounded {@link dev.mgiad.train.Json} reader; every failure of a run folder
 * is a {@link dev.mgiad.train.RunException} naming the file.
 */
package dev.mgiad.train;
