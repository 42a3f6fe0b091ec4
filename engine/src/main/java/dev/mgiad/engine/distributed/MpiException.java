package dev.mgiad.engine.distributed;

/**
 * An MPI failure with a one-line message: the library is missing, a call returned an error, or the other ranks did
 * not answer within the watchdog's time. Whoever catches it should say the message and stop every rank
 * ({@link Communicator#abort}).
 */
public final class MpiException extends RuntimeException {
    public MpiException(String msg) { super(msg); }
}
