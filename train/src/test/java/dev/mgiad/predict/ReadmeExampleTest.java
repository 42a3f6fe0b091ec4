package dev.mgiad.predict;

import dev.mgiad.datasets.DatasetKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java example of the README is this file's {@link Classify#main}, verbatim, and it runs. */
class ReadmeExampleTest {

    static final class Classify {
        // README-BEGIN
        public static void main(String[] args) throws IOException {
            try (Predictor predictor = Predictor.load(Path.of(args[0]))) {   // a run directory of mgiad train
                List<Path> images = Arrays.stream(args).skip(1).map(Path::of).toList();
                for (Prediction p : predictor.predict(images)) {             // one batch; thread-safe
                    Prediction.Scored best = p.best();
                    System.out.printf("%s: %s (%.1f%%)%n", p.source(), best.name(), 100 * best.probability());
                }
            }
        }
        // README-END
    }

    /** The lines between the markers, indentation removed, as they must appear in the README's java block. */
    static String snippet() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/mgiad/predict/ReadmeExampleTest.java"));
        int from = -1, to = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("// README-BEGIN")) from = i + 1;
            if (lines.get(i).strip().equals("// README-END")) to = i;
        }
        int indent = lines.get(from).indexOf(lines.get(from).strip());
        return lines.subList(from, to).stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
                .collect(Collectors.joining("\n"));
    }

    @Test
    void theReadmeShowsThisCodeAndItRuns(@TempDir Path tmp) throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        assertTrue(readme.contains(snippet()), "README.md must contain the example of ReadmeExampleTest.Classify verbatim:\n" + snippet());
        Path run = PredictorTest.tinyRun(tmp.resolve("run"), DatasetKind.CIFAR10, 3);
        List<Path> images = PredictorTest.images(tmp.resolve("img"), 2, 32, 32);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            Classify.main(new String[] {run.toString(), images.get(0).toString(), images.get(1).toString()});
        } finally {
            System.setOut(old);
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith(images.get(0) + ": "), lines.toString());
        assertTrue(DatasetKind.CIFAR10.defaultClassNames().stream().anyMatch(c -> lines.get(1).contains(": " + c + " (")), lines.toString());
    }
}
