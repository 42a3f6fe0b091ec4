package dev.mgiad.cli;

import dev.mgiad.predict.Prediction;
import dev.mgiad.predict.Predictor;
import dev.mgiad.train.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code mgiad predict}: the top-k classes of image files under a trained run. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classifies PNG or JPEG images with a trained run: each image is cropped to the run's aspect ratio "
                + "around its centre, resized, converted to grey or colour and normalised as the run's test images were, "
                + "and the most probable classes are printed with their probabilities.",
                "Example: mgiad predict --checkpoint runs/my-run --top 3 cat.png dog.jpg"})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "The run directory (holding checkpoint.json).")
    Path checkpoint;
    @Option(names = "--best", description = "Use the run's best-validation weights (runs trained with --val-split) instead of its last epoch.")
    boolean best;
    @Option(names = "--top", defaultValue = "5", paramLabel = "K", description = "Classes to print per image (default: ${DEFAULT-VALUE}, at most the number of classes).")
    int top;
    @Option(names = "--json", description = "Print one JSON object (file, top classes with index, name and probability) instead of text.")
    boolean json;
    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all processors).")
    Integer threads;
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG or JPEG files.")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        if (top < 1) throw new IllegalArgumentException("--top must be >= 1, got " + top);
        Predictor.Builder b = Predictor.builder(checkpoint).best(best);
        if (threads != null) b.threads(threads);
        try (Predictor predictor = b.build()) {
            int k = Math.min(top, predictor.classNames().size());
            List<Prediction> ps = predictor.predict(images);
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("checkpoint", checkpoint.toString());
                doc.put("epoch", (long) predictor.epoch());
                doc.put("weights", best ? "best" : "latest");
                List<Object> rows = new ArrayList<>();
                for (Prediction p : ps) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("file", p.source());
                    List<Object> tops = new ArrayList<>();
                    for (Prediction.Scored s : p.top(k)) {
                        Map<String, Object> t = new LinkedHashMap<>();
                        t.put("index", (long) s.index());
                        t.put("class", s.name());
                        t.put("probability", s.probability());
                        tops.add(t);
                    }
                    row.put("top", tops);
                    rows.add(row);
                }
                doc.put("predictions", rows);
                System.out.println(Json.write(doc));
            } else {
                for (Prediction p : ps) {
                    StringBuilder sb = new StringBuilder(p.source()).append(':');
                    for (Prediction.Scored s : p.top(k)) sb.append(String.format(Locale.ROOT, "  %s %.1f%%", s.name(), 100 * s.probability()));
                    System.out.println(sb);
                }
            }
        }
        return 0;
    }
}
