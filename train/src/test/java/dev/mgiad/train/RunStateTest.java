package dev.mgiad.train;

import dev.mgiad.datasets.DatasetKind;
import dev.mgiad.engine.nn.WeightInit;
import dev.mgiad.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** state.json as a typed record: one round trip, and one clear line for every malformed or crafted file. */
class RunStateTest {
    static final ModelConfig TINY = ModelConfig.defaults(ModelConfig.Kind.MGIAD).withInput(1, 10).withWidths(4, 8).withCk(4).withGs(2);

    static RunState sample() {
        TrainOptions o = new TrainOptions(DatasetKind.FASHION_MNIST, null, false, 3, 16, 0.05f, 0.9f, 1e-4f, true, "step",
                0.5, 2, 0.5f, 0.1f, 42, 100, 50, false, true, WeightInit.HE, false, 10);
        return new RunState(2, TINY, o, List.of(new EpochMetrics(1, 0.05, 1.2, 0.6, 1.0, 0.65, 10, 100, 1.1, 0.62),
                new EpochMetrics(2, 0.02, 0.8, Double.NaN, 0.7, 0.78, 10, 100, 0.75, 0.77)));
    }

    @Test
    void roundTripsThroughJson() {
        RunState s = sample();
        assertEquals(s, RunState.fromJson(Json.parse(Json.write(s.json()))));
    }

    @Test
    void oldFilesWithoutTheLaterKeysStillRead() {
        String json = Json.write(sample().json()).replace(",\"init\":\"he\"", "").replace(",\"zero_init_residual\":false", "")
                .replace(",\"val_split\":10", "");
        RunState back = RunState.fromJson(Json.parse(json));
        assertEquals(WeightInit.UNIFORM, back.options().init());
        assertEquals(0, back.options().valSplit());
    }

    private static String error(Path dir, String content) throws IOException {
        Path f = dir.resolve("state.json");
        Files.writeString(f, content);
        return assertThrows(RunException.class, () -> RunState.read(f)).getMessage();
    }

    @Test
    void malformedFilesGiveOneLineNamingFileAndKey(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("state.json");
        String m = error(dir, "[]");
        assertTrue(m.startsWith(f.toString()) && m.contains("not a JSON object"), m);
        m = error(dir, "{}");
        assertTrue(m.contains("'epoch' is missing"), m);
        String good = Json.write(sample().json());
        m = error(dir, good.replace("\"lr\":0.05000000074505806", "\"lr\":\"fast\""));
        assertTrue(m.contains("'options.lr' must be a number, not fast"), m);
        m = error(dir, good.replace("\"widths\":[4,8]", "\"widths\":[4,99999999999]"));
        assertTrue(m.contains("'model.widths[1]' must be an integer"), m);
        m = error(dir, good.replace("\"dataset\":\"fashion-mnist\"", "\"dataset\":\"imagenet\""));
        assertTrue(m.contains("unknown dataset 'imagenet'"), m);
        m = error(dir, good.replace("\"epoch\":2}", "\"epoch\":-2}"));
        assertTrue(m.contains("'epoch' must be >= 0"), m);
        m = error(dir, "{\"epoch\": 1, \"model\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}");
        assertTrue(m.contains("nested deeper than " + Json.MAX_DEPTH), m);
        Files.delete(f);
        m = assertThrows(RunException.class, () -> RunState.read(f)).getMessage();
        assertTrue(m.contains("state.json is missing"), m);
    }

    @Test
    void jsonReaderIsBounded() {
        var deep = assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1)));
        assertTrue(deep.getMessage().contains("nested deeper"), deep.getMessage());
        Json.parse("[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH)); // the limit itself is accepted
        var longString = assertThrows(IllegalArgumentException.class, () -> Json.parse("\"" + "x".repeat(Json.MAX_STRING + 1) + "\""));
        assertTrue(longString.getMessage().contains("string longer than"), longString.getMessage());
        var longNumber = assertThrows(IllegalArgumentException.class, () -> Json.parse("1".repeat(100)));
        assertTrue(longNumber.getMessage().contains("number longer than"), longNumber.getMessage());
        var badEscape = assertThrows(IllegalArgumentException.class, () -> Json.parse("\"\\uZZZZ\""));
        assertTrue(badEscape.getMessage().contains("bad unicode escape"), badEscape.getMessage());
        assertEquals("\u00e9", Json.parse("\"\\u00E9\""));
    }
}
