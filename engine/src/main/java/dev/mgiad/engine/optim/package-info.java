/**
 * Optimisation: {@link dev.mgiad.engine.optim.Sgd} (momentum, weight decay, Nesterov; PyTorch's semantics, run as
 * one backend operator per parameter) and {@link dev.mgiad.engine.optim.LrSchedule} (cosine or step, with linear
 * warm-up, evaluated per step from the fractional epoch).
 */
package dev.mgiad.engine.optim;
