package dev.mgiad.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file formats of a run directory: JSON, safetensors, atomic replacement. */
class CheckpointFilesTest {

    @Test
    void jsonRoundTrips() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("a", 1L);
        m.put("b", 2.5);
        m.put("s", "quote \" backslash \\ newline \n");
        m.put("l", List.of(1L, "x", true));
        m.put("n", null);
        assertEquals(m, Json.parse(Json.write(m)));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1} x"));
    }

    @Test
    void safetensorsRoundTripsAndFollowsTheFormat(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.safetensors");
        var a = new SafeTensors.Entry("layer.weight", new int[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6.5f});
        var b = new SafeTensors.Entry("layer.bias", new int[]{2}, new float[]{-1, 1});
        SafeTensors.write(f, List.of(a, b), Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(f);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"layer.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"), header);
        assertEquals(0, (8 + headerLen) % 8, "data must start 8-byte aligned");
        assertEquals(8 + headerLen + 32, bytes.length);
        assertEquals(6.5f, ByteBuffer.wrap(bytes, (int) (8 + headerLen + 20), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
        var back = SafeTensors.read(f);
        assertArrayEquals(a.data(), back.tensors().get("layer.weight").data());
        assertArrayEquals(new int[]{2}, back.tensors().get("layer.bias").shape());
        assertEquals("pt", back.metadata().get("format"));
    }

    @Test
    void truncatedSafetensorsFileGivesAClearError(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, List.of(new SafeTensors.Entry("w", new int[]{100}, new float[100])), Map.of());
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("truncated or corrupt") && e.getMessage().contains("'w'") == false
                && e.getMessage().contains("tensor w"), e.getMessage());
        Files.write(f, new byte[]{1, 2, 3});
        assertTrue(assertThrows(IOException.class, () -> SafeTensors.read(f)).getMessage().contains("not a safetensors file"));
    }

    @Test
    void aWriterThatFailsMidwayLeavesThePreviousFileIntact(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("state.json");
        AtomicFiles.writeString(f, "old");
        assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("new, half written".getBytes(StandardCharsets.UTF_8));
            throw new IOException("simulated crash");
        }));
        assertEquals("old", Files.readString(f));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file may be left behind");
        }
    }

    @Test
    void checkpointPointerErrorsAreClear(@TempDir Path dir) throws IOException {
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.latest(dir)).getMessage().contains("checkpoint.json is missing"));
        Files.writeString(dir.resolve("checkpoint.json"), "{\"latest\": \"ckpt-0001\"");
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.latest(dir)).getMessage().contains("corrupt"));
        Files.writeString(dir.resolve("checkpoint.json"), "{\"latest\": \"ckpt-0001\"}");
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.latest(dir)).getMessage().contains("model.safetensors is missing"));
    }

    @Test
    void curvesAreAnSvgWithBothSeries() {
        String svg = MetricsLog.svg(List.of(new EpochMetrics(1, 0.05, 1.2, 0.6, 1.0, 0.65, 10, 100),
                new EpochMetrics(2, 0.02, 0.8, 0.75, 0.7, 0.78, 10, 100)), "mgiad <test>");
        assertTrue(svg.startsWith("<svg") && svg.trim().endsWith("</svg>"));
        assertTrue(svg.contains("mgiad &lt;test&gt;"));
        assertEquals(4, svg.split("<polyline").length - 1);
        assertFalse(svg.contains("validation"));
        String withVal = MetricsLog.svg(List.of(new EpochMetrics(1, 0.05, 1.2, 0.6, 1.0, 0.65, 10, 100, 1.1, 0.62),
                new EpochMetrics(2, 0.02, 0.8, 0.75, 0.7, 0.78, 10, 100, 0.75, 0.77)), "with validation");
        assertEquals(6, withVal.split("<polyline").length - 1, "loss and accuracy each get a validation line");
        assertTrue(withVal.contains("validation") && withVal.contains("stroke-dasharray"));
    }
}
