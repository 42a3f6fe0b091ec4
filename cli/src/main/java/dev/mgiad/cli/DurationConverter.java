package dev.mgiad.cli;

import picocli.CommandLine;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A time span on the command line: {@code 90s}, {@code 45m}, {@code 2h}, {@code 1h30m}, {@code 1.5h}, a plain number
 * of seconds, or ISO-8601 ({@code PT2H}). It must be positive.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)([hms])");

    @Override
    public Duration convert(String value) {
        Duration d = parse(value);
        if (d == null || d.isZero() || d.isNegative()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration (examples: 90s, 45m, 2h, 1h30m)");
        }
        return d;
    }

    static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) return null;
        if (v.startsWith("pt")) {
            try {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        if (v.matches("\\d+(\\.\\d+)?")) return seconds(Double.parseDouble(v));
        Matcher m = PART.matcher(v);
        int end = 0;
        double secs = 0;
        while (m.find()) {
            if (m.start() != end) return null;
            double n = Double.parseDouble(m.group(1));
            secs += switch (m.group(2)) {
                case "h" -> n * 3600;
                case "m" -> n * 60;
                default -> n;
            };
            end = m.end();
        }
        return end == v.length() && end > 0 ? seconds(secs) : null;
    }

    private static Duration seconds(double s) { return Duration.ofNanos((long) (s * 1e9)); }
}
