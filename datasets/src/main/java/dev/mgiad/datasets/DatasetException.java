package dev.mgiad.datasets;

/**
 * The single failure type of this module.
 *
 * <p>It is unchecked because a bad or missing data set is not something a training loop can
 * recover from locally; it should travel up to the command line and be printed as is. For that
 * reason every message names the file (or place) concerned and says what is wrong with it, so
 * that the user can act on it without a stack trace.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
