package dev.mgiad.model;

import dev.mgiad.engine.backend.Backend;
import dev.mgiad.train.Checkpoint;
import dev.mgiad.train.Json;
import dev.mgiad.train.JsonObject;
import dev.mgiad.train.ModelConfigJson;
import dev.mgiad.train.SafeTensors;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One configuration of {@code src/test/resources/golden} (written by {@code benchmarks/peer/golden.py}): the model
 * built from its config with PyTorch's state dict loaded by name, the input batch and PyTorch's results.
 */
public record GoldenCase(String name, Path dir, Model model, float[] input, int[] inputShape, int[] labels,
                         Map<String, SafeTensors.Entry> golden) {

    /** Every configuration, one per model family and variant. */
    public static final List<String> NAMES =
            List.of("resnet18", "resnet20", "mgnet-ab", "mgnet-a", "mgic", "mgiad-literal", "mgiad-difference");

    public static GoldenCase load(String name, Backend be) throws Exception {
        Path dir = folder(name);
        SafeTensors.Contents contents = SafeTensors.read(dir.resolve("golden.safetensors"));
        Map<String, SafeTensors.Entry> g = contents.tensors();
        ModelConfig config = ModelConfigJson.read(JsonObject.of(Json.parse(contents.metadata().get("config")), "config"));
        Model m = Models.build(config, be, 12345);
        Checkpoint.loadWeights(dir, m.root(), be);
        SafeTensors.Entry in = g.get("input");
        int[] labels = new int[in.shape()[0]];
        for (int i = 0; i < labels.length; i++) labels[i] = Math.round(g.get("labels").data()[i]);
        return new GoldenCase(name, dir, m, in.data(), in.shape(), labels, g);
    }

    /**
     * The case's folder: the resources themselves when they are files (this module's tests, or a reactor build that
     * puts target/test-classes on the class path), else a temporary copy (the test-jar from a local repository).
     */
    private static Path folder(String name) throws Exception {
        var url = GoldenCase.class.getResource("/golden/" + name + "/golden.safetensors");
        if (url == null) throw new IllegalStateException("no golden case " + name + " on the class path");
        if ("file".equals(url.getProtocol())) return Path.of(url.toURI()).getParent();
        Path dir = Files.createTempDirectory("golden-" + name);
        dir.toFile().deleteOnExit(); // registered first, deleted last (after its files)
        for (String f : List.of("golden.safetensors", "model.safetensors")) {
            try (InputStream in = GoldenCase.class.getResourceAsStream("/golden/" + name + "/" + f)) {
                Files.copy(in, dir.resolve(f));
            }
            dir.resolve(f).toFile().deleteOnExit();
        }
        return dir;
    }

    /** PyTorch's tensor {@code key} (e.g. {@code eval.logits}, {@code grad.fc.weight}), or null. */
    public float[] torch(String key) {
        SafeTensors.Entry e = golden.get(key);
        return e == null ? null : e.data();
    }

    /**
     * Fails unless max |got - want| <= rel * max(floor, max |want|): relative to the tensor's scale, with a floor
     * for tensors that are nearly zero.
     */
    public static void assertClose(String what, float[] want, float[] got, double rel, double floor) {
        assertEquals(want.length, got.length, what + ": length");
        double scale = 0, err = 0;
        int at = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            double d = Math.abs((double) want[i] - got[i]);
            if (!(d <= err)) { err = d; at = i; } // also catches NaN
        }
        double tol = rel * Math.max(floor, scale);
        if (!(err <= tol)) {
            fail(String.format("%s: max |difference| = %.3g at %d (got %.7g, expected %.7g), tolerance %.3g",
                    what, err, at, got[at], want[at], tol));
        }
    }
}
