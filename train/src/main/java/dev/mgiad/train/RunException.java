package dev.mgiad.train;

import java.io.IOException;

/**
 * The single failure type of a run folder: its checkpoint files (missing, truncated, crafted), its state, its lock,
 * or a run that cannot go on (diverged, already finished). Every message names the file or folder concerned and
 * says what is wrong, so the command line prints it as one line. A subclass of IOException because most of these
 * are discovered while reading or writing files, beside the file system's own IOExceptions.
 */
public class RunException extends IOException {
    private static final long serialVersionUID = 1L;

    public RunException(String message) { super(message); }

    public RunException(String message, Throwable cause) { super(message, cause); }
}
