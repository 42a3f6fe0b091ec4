/**
 * {@link dev.mgiad.engine.ref.Reference}: every operator written plainly on NCHW arrays, in double precision where
 * it costs nothing. It is the yardstick of the fast kernels in the tests (CPU and OpenCL conformance) and never runs
 * in training.
 */
package dev.mgiad.engine.ref;
