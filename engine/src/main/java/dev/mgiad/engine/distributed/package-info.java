/**
 * Data-parallel training over MPI, through the Foreign Function &amp; Memory API.
 *
 * <p>{@link dev.mgiad.engine.distributed.Mpi} is the only class that calls MPI (Open MPI's {@code libmpi.so.40}:
 * seven functions and the predefined handles, which Open MPI exports as globals). {@link
 * dev.mgiad.engine.distributed.MpiCommunicator} runs every call on one MPI thread with a watchdog on each wait and
 * implements {@link dev.mgiad.engine.distributed.Communicator}, what training needs: all-reduce (also started
 * asynchronously), broadcast, a sum of a few doubles (synchronised batch norm's statistics, metrics), abort.
 * {@link dev.mgiad.engine.distributed.GradientAllReduce} sums the gradients of all ranks in buckets that start while
 * the backward pass still runs, as PyTorch DDP.
 */
package dev.mgiad.engine.distributed;
