package dev.mgiad.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
 * {@code {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}},
 * then the raw little-endian data. Other tools (PyTorch, JAX, numpy) read it without this project's code.
 */
public final class SafeTensors {
    private SafeTensors() { }

    /** One named float32 tensor. */
    public record Entry(String name, int[] shape, float[] data) { }

    /** Writes the tensors (atomically) with string metadata. */
    public static void write(Path file, List<Entry> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Entry e : tensors) {
            long n = 1;
            for (int d : e.shape) n *= d;
            if (n != e.data.length) {
                throw new IllegalArgumentException("safetensors: " + e.name + " has " + e.data.length + " floats for shape "
                        + java.util.Arrays.toString(e.shape));
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("dtype", "F32");
            t.put("shape", e.shape);
            t.put("data_offsets", new long[]{offset, offset + 4L * n});
            header.put(e.name, t);
            offset += 4L * n;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // align the data to 8 bytes, padding the header with spaces as allowed
        byte[] padded = java.util.Arrays.copyOf(json, json.length + pad);
        java.util.Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
            out.write(len.array());
            out.write(padded);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : tensors) {
                for (float f : e.data) {
                    if (!buf.hasRemaining()) flush(out, buf);
                    buf.putFloat(f);
                }
            }
            flush(out, buf);
        });
    }

    private static void flush(OutputStream out, ByteBuffer buf) throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    /** The tensors and metadata of a file. */
    public record Contents(Map<String, Entry> tensors, Map<String, String> metadata) { }

    /**
     * Reads a file written by any safetensors writer (F32 tensors only; the int64 {@code num_batches_tracked} of
     * PyTorch's batch norm is skipped, so a PyTorch state dict loads); a damaged file gives a clear error.
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new IOException(file + ": not a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000) {
                throw new IOException(file + ": corrupt safetensors header length " + headerLen + " (file has " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            Object parsed;
            try {
                parsed = Json.parse(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": corrupt safetensors header: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> header)) throw new IOException(file + ": safetensors header is not an object");
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, Entry> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (var e : header.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals("__metadata__")) {
                    if (e.getValue() instanceof Map<?, ?> m) for (var me : m.entrySet()) meta.put((String) me.getKey(), String.valueOf(me.getValue()));
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> t)) throw new IOException(file + ": bad entry for " + name);
                if ("I64".equals(t.get("dtype")) && name.endsWith(".num_batches_tracked")) {
                    continue; // PyTorch's BN step counter: only used with momentum=None, the engine's momentum is fixed
                }
                if (!"F32".equals(t.get("dtype"))) throw new IOException(file + ": tensor " + name + " has dtype " + t.get("dtype") + ", only F32 is supported");
                List<?> shapeL = (List<?>) t.get("shape"), offs = (List<?>) t.get("data_offsets");
                if (shapeL == null || offs == null || offs.size() != 2) throw new IOException(file + ": tensor " + name + " lacks shape or data_offsets");
                int[] shape = new int[shapeL.size()];
                long n = 1;
                for (int i = 0; i < shape.length; i++) { shape[i] = ((Number) shapeL.get(i)).intValue(); n *= shape[i]; }
                long b = ((Number) offs.get(0)).longValue(), en = ((Number) offs.get(1)).longValue();
                if (b < 0 || en > dataLen || en - b != 4 * n) {
                    throw new IOException(file + ": tensor " + name + " has data offsets [" + b + ", " + en + ") that do not fit its shape "
                            + java.util.Arrays.toString(shape) + " or the file (" + dataLen + " data bytes): truncated or corrupt");
                }
                ByteBuffer db = ByteBuffer.allocate((int) (en - b)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, db, dataStart + b);
                db.flip();
                float[] data = new float[(int) n];
                db.asFloatBuffer().get(data);
                tensors.put(name, new Entry(name, shape, data));
            }
            return new Contents(tensors, meta);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }
}
