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

    /** A row of state.json; the validation pair and figures stored as null (not finite) read back as NaN. */
    public static EpochMetrics fromJson(JsonObject m) {
        return new EpochMetrics(m.int32("epoch"), m.numberOrNaN("lr"), m.numberOrNaN("train_loss"),
                m.numberOrNaN("train_accuracy"), m.numberOrNaN("test_loss"), m.numberOrNaN("test_accuracy"),
                m.numberOrNaN("seconds"), m.numberOrNaN("images_per_second"), m.numberOrNaN("val_loss"),
                m.numberOrNaN("val_accuracy"));
    }
}
