/**
 * Inference with a trained run from Java: a {@link dev.mgiad.predict.Predictor} loads a run's checkpoint and the input
 * pipeline of its data (size, channels, padding, normalisation) and returns {@link dev.mgiad.predict.Prediction}s
 * (class probabilities, top-k with names) for image files or {@code BufferedImage}s; {@code mgiad predict} is its command line.
 */
package dev.mgiad.predict;
