package dev.mgiad.opencl;

/**
 * An OpenCL call failed: the message names the operation and the OpenCL status (and, for a failed build, the
 * compiler log), so that the command line can print it as one line instead of JOCL's stack trace.
 */
public final class OpenClException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OpenClException(String message) { super(message); }
}
