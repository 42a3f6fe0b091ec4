package dev.mgiad.train;

import dev.mgiad.engine.cpu.CpuBackend;
import dev.mgiad.model.Model;
import dev.mgiad.model.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Run folders as a crash or an attacker leaves them: each is refused in one line or cleaned up. */
class CraftedFilesTest {

    /** A safetensors file with the given header and {@code dataBytes} zero bytes of data. */
    static void craft(Path f, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(f, b.array());
    }

    @Test
    void safetensorsWithAliasedGappedOrDeepHeadersAreRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.safetensors");
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        String m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("overlaps the previous tensor"), m);
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("overlaps"), m);
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("(a gap)"), m);
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8);
        m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("cover 4 of 8 data bytes"), m);
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("duplicate key 'a'"), m);
        craft(f, "{\"a\":" + "[".repeat(50_000) + "]".repeat(50_000) + "}", 0);
        m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("nested deeper than"), m);
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", 8);
        m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("is too large"), m);
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8);
        m = assertThrows(RunException.class, () -> SafeTensors.read(f)).getMessage();
        assertTrue(m.contains("'a.shape' must be a list"), m);
        craft(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12);
        assertEquals(List.of("a", "b"), List.copyOf(SafeTensors.read(f).tensors().keySet()), "a well-formed file still reads");
    }

    @Test
    void missingCheckpointFilesAreNamed(@TempDir Path dir) throws IOException {
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(RunStateTest.TINY, be, 1);
            for (var p : m.root().parameters()) p.velocity(be);
            Checkpoint.save(dir, m.root(), be, RunStateTest.sample());
            Path ck = Checkpoint.latest(dir);
            Files.delete(ck.resolve("optimizer.safetensors"));
            String msg = assertThrows(RunException.class, () -> Checkpoint.load(dir, m.root(), be, true)).getMessage();
            assertTrue(msg.contains("optimizer.safetensors is missing"), msg);
            Files.delete(ck.resolve("state.json"));
            msg = assertThrows(RunException.class, () -> Checkpoint.readState(dir)).getMessage();
            assertTrue(msg.contains("state.json is missing"), msg);
        }
    }

    @Test
    void aFailedWriteNamesItsFile(@TempDir Path dir) {
        Path target = dir.resolve("metrics.csv");
        var e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("No space left on device"), e.getMessage());
    }

    @Test
    void leftoversOfACrashAreRemovedCommittedCheckpointsKept(@TempDir Path dir) throws IOException {
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(RunStateTest.TINY, be, 1);
            Checkpoint.save(dir, m.root(), be, RunStateTest.sample());
        }
        Files.createDirectories(dir.resolve("ckpt-0003"));
        Files.writeString(dir.resolve("ckpt-0003/model.safetensors"), "half");
        Files.writeString(dir.resolve(".checkpoint.json.123.tmp"), "{\"latest\":");
        Files.writeString(dir.resolve(".metrics.csv.9.tmp"), "epoch");
        Files.createDirectories(dir.resolve("best-0001"));
        List<String> removed = Checkpoint.removeLeftovers(dir);
        assertEquals(List.of(".checkpoint.json.123.tmp", ".metrics.csv.9.tmp", "best-0001", "ckpt-0003"), removed.stream().sorted().toList());
        assertTrue(Files.isRegularFile(Checkpoint.latest(dir).resolve("model.safetensors")), "the committed checkpoint stays");
        try (var s = Files.list(dir)) {
            assertEquals(List.of("checkpoint.json", "ckpt-0002"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void metricsFollowTheCheckpointNotPrecedeIt(@TempDir Path dir) throws IOException {
        // the checkpoint cannot be written (a file stands where its folder goes): the metrics must not list the epoch
        Files.writeString(dir.resolve("ckpt-0001"), "in the way");
        var train = TrainerTest.synthetic(32, 1);
        try (CpuBackend be = new CpuBackend(1)) {
            Model m = Models.build(RunStateTest.TINY, be, 7);
            Trainer t = new Trainer(m, be, TrainerTest.options(1, 0.05f), dir,
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false);
            assertThrows(IOException.class, () -> t.run(train, TrainerTest.synthetic(16, 2), 0, List.of()));
        }
        assertFalse(Files.exists(dir.resolve("metrics.csv")), "metrics.csv lists an epoch no checkpoint holds");
        assertFalse(Files.exists(dir.resolve("metrics.json")));
    }

    @Test
    void aStateJsonNamingAHugeModelIsRefusedBeforeAllocating(@TempDir Path dir) throws IOException {
        try (CpuBackend be = new CpuBackend(1)) {
            Checkpoint.save(dir, Models.build(RunStateTest.TINY, be, 1).root(), be, RunStateTest.sample());
        }
        Path state = Checkpoint.latest(dir).resolve("state.json");
        String huge = Files.readString(state).replace("\"model\":\"mgiad\"", "\"model\":\"mgnet\"")
                .replace("\"widths\":[4,8]", "\"widths\":[65536]").replace("\"nu\":0", "\"nu\":64").replace("\"share\":\"AB\"", "\"share\":\"NONE\"")
                .replace("\"gs\":2", "\"gs\":0");
        Files.writeString(state, huge);
        RunState st = Checkpoint.readState(dir);
        try (CpuBackend be = new CpuBackend(1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> Models.build(st.model(), be, 0));
            assertTrue(e.getMessage().contains("more than this Java heap"), e.getMessage());
        }
    }
}
