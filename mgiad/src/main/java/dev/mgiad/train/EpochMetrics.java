package dev.mgiad.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of metrics.csv: what an epoch of training achieved. The validation pair is NaN unless the run holds out
 * part of its training split ({@code --val-split}); then the CSV gets two more columns and the JSON two more keys.
 */
public record EpochMetrics(int epoch, double lr, double trainLoss, double trainAccuracy, double testLoss,
                           double testAccuracy, double seconds, double imagesPerSecond, double valLoss,
                           double valAccuracy) {

    public static final String CSV_HEADER = "epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,seconds,images_per_second";
    public static final String CSV_VAL_COLUMNS = ",val_loss,val_accuracy";

    /** A row without validation figures. */
    public EpochMetrics(int epoch, double lr, double trainLoss, double trainAccuracy, double testLoss,
                        double testAccuracy, double seconds, double imagesPerSecond) {
        this(epoch, lr, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds, imagesPerSecond, Double.NaN, Double.NaN);
    }

    public boolean hasValidation() { return !Double.isNaN(valAccuracy); }

    public String csv() {
        String base = String.format(java.util.Locale.ROOT, "%d,%.6g,%.6f,%.6f,%.6f,%.6f,%.3f,%.1f", epoch, lr, trainLoss,
                trainAccuracy, testLoss, testAccuracy, seconds, imagesPerSecond);
        return hasValidation() ? base + String.format(java.util.Locale.ROOT, ",%.6f,%.6f", valLoss, valAccuracy) : base;
    }

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", (long) epoch);
        m.put("lr", lr);
        m.put("train_loss", trainLoss);
        m.put("train_accuracy", trainAccuracy);
        m.put("test_loss", testLoss);
        m.put("test_accuracy", testAccuracy);
        m.put("seconds", seconds);
        m.put("images_per_second", imagesPerSecond);
        if (hasValidation()) {
            m.put("val_loss", valLoss);
            m.put("val_accuracy", valAccuracy);
        }
        return m;
    }

    public static EpochMetrics fromJson(Map<?, ?> m) {
        return new EpochMetrics(((Number) m.get("epoch")).intValue(), num(m, "lr"), num(m, "train_loss"),
                num(m, "train_accuracy"), num(m, "test_loss"), num(m, "test_accuracy"), num(m, "seconds"),
                num(m, "images_per_second"), num(m, "val_loss"), num(m, "val_accuracy"));
    }

    private static double num(Map<?, ?> m, String k) {
        Object v = m.get(k);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
