package dev.mgiad.engine.optim;

/**
 * Learning rate as a function of training progress. {@code epoch} may be fractional (epoch + step/steps), so a
 * warm-up can ramp per step while the decay itself follows the paper's per-epoch schedules.
 */
@FunctionalInterface
public interface LrSchedule {
    float lr(double epoch);

    /** Cosine annealing from {@code base} to {@code min} over {@code epochs}, stepped per epoch like PyTorch's CosineAnnealingLR. */
    static LrSchedule cosine(float base, float min, int epochs) {
        return e -> {
            int k = (int) Math.floor(e);
            if (k >= epochs) return min;
            return (float) (min + (base - min) * (1 + Math.cos(Math.PI * k / epochs)) / 2);
        };
    }

    /** {@code base * gamma^floor(epoch / every)}, PyTorch's StepLR (the paper's Fashion-MNIST schedule: 0.1 every 25). */
    static LrSchedule step(float base, int every, float gamma) {
        if (every <= 0) throw new IllegalArgumentException("step schedule: interval must be > 0, got " + every);
        return e -> (float) (base * Math.pow(gamma, Math.floor(Math.floor(e) / every)));
    }

    /** A linear warm-up from near 0 over the first {@code warmupEpochs} (per step), then {@code after}. */
    static LrSchedule warmup(LrSchedule after, double warmupEpochs) {
        if (warmupEpochs <= 0) return after;
        return e -> e < warmupEpochs ? (float) (after.lr(e) * (e + 1e-3) / warmupEpochs) : after.lr(e);
    }
}
