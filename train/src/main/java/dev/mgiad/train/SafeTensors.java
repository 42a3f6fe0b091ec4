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

    /** Largest header accepted (ours is about 100 bytes per tensor). */
    static final long MAX_HEADER_BYTES = 16L << 20;

    /**
     * Reads a file written by any safetensors writer (F32 tensors only; the int64 {@code num_batches_tracked} of
     * PyTorch's batch norm is skipped, so a PyTorch state dict loads). A damaged or crafted file is a
     * {@link RunException} naming it: a header that is too long, nests too deep or lacks a field; a shape that does
     * not match its byte range; byte ranges that overlap, leave gaps or run past the end (the format requires the
     * tensors to tile the data exactly, so no two names can alias the same bytes).
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new RunException(file + ": not a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > MAX_HEADER_BYTES) {
                throw new RunException(file + ": corrupt safetensors header length " + headerLen + " (file has " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, Entry> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            record Range(String name, long begin, long end, boolean skipped) { }
            java.util.List<Range> ranges = new java.util.ArrayList<>();
            Map<String, int[]> shapes = new LinkedHashMap<>();
            try {
                JsonObject header = JsonObject.of(Json.parse(new String(hb.array(), StandardCharsets.UTF_8)), "the safetensors header");
                for (String name : header.keys()) {
                    if (name.equals("__metadata__")) {
                        JsonObject m = header.object(name);
                        for (String k : m.keys()) meta.put(k, m.string(k));
                        continue;
                    }
                    JsonObject t = header.object(name);
                    String dtype = t.string("dtype");
                    // PyTorch's BN step counter: only used with momentum=None, the engine's momentum is fixed
                    boolean skipped = dtype.equals("I64") && name.endsWith(".num_batches_tracked");
                    if (!dtype.equals("F32") && !skipped) throw new IllegalArgumentException("tensor " + name + " has dtype " + dtype + ", only F32 is supported");
                    int[] shape = t.ints("shape");
                    long n = 1;
                    for (int d : shape) {
                        if (d < 0) throw new IllegalArgumentException("tensor " + name + " has a negative dimension in " + java.util.Arrays.toString(shape));
                        n *= d; // both below 2^31: no overflow
                        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor " + name + " of shape " + java.util.Arrays.toString(shape) + " is too large");
                    }
                    List<?> offs = t.list("data_offsets");
                    if (offs.size() != 2 || !(offs.get(0) instanceof Long b) || !(offs.get(1) instanceof Long en)) {
                        throw new IllegalArgumentException("tensor " + name + " needs data_offsets [begin, end]");
                    }
                    if (b < 0 || en > dataLen || en - b != (skipped ? 8 : 4) * n) {
                        throw new IllegalArgumentException("tensor " + name + " has data offsets [" + b + ", " + en + ") that do not fit its shape "
                                + java.util.Arrays.toString(shape) + " or the file (" + dataLen + " data bytes): truncated or corrupt");
                    }
                    ranges.add(new Range(name, b, en, skipped));
                    if (!skipped) shapes.put(name, shape);
                }
            } catch (IllegalArgumentException e) {
                throw new RunException(file + ": corrupt safetensors header: " + e.getMessage());
            }
            ranges.sort(java.util.Comparator.comparingLong(Range::begin).thenComparingLong(Range::end));
            long expected = 0;
            for (Range r : ranges) {
                if (r.begin() != expected) {
                    throw new RunException(file + ": tensor " + r.name() + " starts at byte " + r.begin() + " of the data, expected "
                            + expected + (r.begin() < expected ? " (it overlaps the previous tensor)" : " (a gap)") + ": corrupt or crafted");
                }
                expected = r.end();
            }
            if (expected != dataLen) {
                throw new RunException(file + ": the tensors cover " + expected + " of " + dataLen + " data bytes: truncated or corrupt");
            }
            for (Range r : ranges) {
                if (r.skipped()) continue;
                ByteBuffer db = ByteBuffer.allocate((int) (r.end() - r.begin())).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, db, dataStart + r.begin());
                db.flip();
                float[] data = new float[(int) ((r.end() - r.begin()) / 4)];
                db.asFloatBuffer().get(data);
                tensors.put(r.name(), new Entry(r.name(), shapes.get(r.name()), data));
            }
            Map<String, Entry> inFileOrder = new LinkedHashMap<>();
            for (String name : shapes.keySet()) inFileOrder.put(name, tensors.get(name));
            return new Contents(inFileOrder, meta);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new RunException(file + " is missing: the checkpoint folder is incomplete");
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
