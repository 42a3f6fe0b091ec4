package dev.mgiad.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of an epoch: a single redrawn line on a terminal, plain log lines (every ~10% of the epoch) when the
 * output is a file or a pipe, as users of tqdm and timm expect.
 */
public final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private final int epoch, epochs, steps;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastLogged = -1;

    public Progress(PrintStream out, boolean terminal, int epoch, int epochs, int steps) {
        this.out = out;
        this.terminal = terminal;
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
    }

    public void update(int step, double loss, double accuracy, long images) {
        double secs = (System.nanoTime() - start) / 1e9;
        double ips = images / Math.max(secs, 1e-9);
        double eta = step > 0 ? secs / step * (steps - step) : Double.NaN;
        String line = String.format(Locale.ROOT, "epoch %d/%d %s %d/%d loss %.4f acc %.2f%% %.0f img/s ETA %s",
                epoch, epochs, bar(step), step, steps, loss, 100 * accuracy, ips, time(eta));
        if (terminal) {
            long now = System.nanoTime();
            if (now - lastDraw > 100_000_000L || step == steps) {
                out.print("\r" + line + "   ");
                if (step == steps) out.println();
                out.flush();
                lastDraw = now;
            }
        } else {
            int decile = steps == 0 ? 10 : step * 10 / steps;
            if (decile != lastLogged && (decile > lastLogged)) {
                lastLogged = decile;
                out.println(line);
            }
        }
    }

    private String bar(int step) {
        if (!terminal) return "";
        int width = 20, filled = steps == 0 ? width : step * width / steps;
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    static String time(double s) {
        if (!Double.isFinite(s)) return "--:--";
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%02d:%02d", t / 60, t % 60);
    }
}
