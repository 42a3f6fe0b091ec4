package dev.mgiad.model;

import dev.mgiad.engine.autograd.Graph;
import dev.mgiad.engine.autograd.Var;
import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.engine.optim.Sgd;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's example of the models artifact used as a library (section "Depending on the engine from Java") is
 * {@link TrainSteps#steps}, verbatim, and it trains: the loss of a fixed batch falls.
 */
class LibraryExampleTest {

    static final class TrainSteps {
        // README-BEGIN
        static List<Double> steps(float[] images, int[] labels, int n) {      // n images, NCHW, 1 x 32 x 32
            ModelConfig config = ModelConfig.defaults(ModelConfig.Kind.MGIAD)   // the paper's MGiaD, made small:
                    .withInput(1, 10).withWidths(16, 32, 64).withCk(16).withGs(4);
            List<Double> losses = new ArrayList<>();
            try (CpuBackend be = new CpuBackend(2)) {                           // 2 threads
                Model model = Models.build(config, be, 42);                     // seeded initialisation
                Sgd sgd = new Sgd(be, model.root().parameters(), 0.05f, 0.9f, 1e-4f, false);
                Graph graph = new Graph(be);                                    // training mode
                for (int step = 0; step < 5; step++) {
                    graph.reset();
                    sgd.zeroGrad();
                    Var logits = model.forward(graph, graph.input(images, n, 1, 32, 32));
                    losses.add(graph.crossEntropy(logits, labels, 0f).loss());
                    graph.backward();
                    sgd.step();
                }
            }
            return losses;
        }
        // README-END
    }

    /** The lines between the markers, indentation removed, as they must appear in the README's java block. */
    static String snippet() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/mgiad/model/LibraryExampleTest.java"));
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
    void theReadmeShowsThisCodeAndItTrains() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        assertTrue(readme.contains(snippet()), "README.md must contain the example of LibraryExampleTest.TrainSteps verbatim:\n" + snippet());
        int n = 16;
        SplittableRandom rng = new SplittableRandom(7);
        float[] images = new float[n * 32 * 32];
        for (int i = 0; i < images.length; i++) images[i] = (float) rng.nextGaussian();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % 10;
        List<Double> losses = TrainSteps.steps(images, labels, n);
        assertEquals(5, losses.size());
        assertTrue(losses.get(0) > 1.5 && losses.get(0) < 4, "a fresh 10-class model starts near ln 10: " + losses);
        assertTrue(losses.get(4) < 0.9 * losses.get(0), "five steps on one batch must lower its loss: " + losses);
    }
}
