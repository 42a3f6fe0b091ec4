package dev.mgiad.train;

import java.util.Locale;

/**
 * The range checks of numeric options, with one wording for every command: {@link TrainOptions} runs them for
 * train (and for options read back from a checkpoint), the other commands for their own flags. Non-finite values
 * (NaN, Infinity) never get this far on the command line, whose number converter refuses them for every flag.
 */
public final class FlagChecks {
    private FlagChecks() { }

    public static int atLeast(String flag, int value, int min) {
        if (value < min) throw new IllegalArgumentException(flag + " must be >= " + min + ", got " + value);
        return value;
    }

    public static int between(String flag, int value, int min, int max) {
        if (value < min || value > max) throw new IllegalArgumentException(flag + " must be in [" + min + ", " + max + "], got " + value);
        return value;
    }

    /** {@code min <= value <= max} (or {@code < max} when {@code maxOpen}), and finite. */
    public static double between(String flag, double value, double min, double max, boolean minOpen, boolean maxOpen) {
        boolean ok = Double.isFinite(value) && (minOpen ? value > min : value >= min) && (maxOpen ? value < max : value <= max);
        if (!ok) {
            String range = (minOpen ? "(" : "[") + fmt(min) + ", " + fmt(max) + (maxOpen ? ")" : "]");
            throw new IllegalArgumentException(flag + " must be in " + range + ", got " + fmt(value));
        }
        return value;
    }

    /** A finite value of at least {@code min} ({@code > min} when {@code open}). */
    public static double atLeast(String flag, double value, double min, boolean open) {
        return between(flag, value, min, Double.MAX_VALUE, open, false);
    }

    private static String fmt(double v) {
        if (v == Double.MAX_VALUE) return "inf";
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
