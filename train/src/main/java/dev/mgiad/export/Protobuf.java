package dev.mgiad.export;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A protocol-buffers message encoder, just enough for the ONNX messages {@link OnnxGraph} writes: varint integers,
 * 32-bit floats, strings, bytes and nested messages (wire types 0, 5 and 2). ONNX's {@code onnx.proto} is proto2, so
 * repeated integers are written unpacked, one tag per element, which every parser accepts.
 *
 * <p>Hand-written instead of depending on protobuf-java plus generated ONNX classes: the exporter needs twelve message
 * types and about thirty fields, which is less code than the build set-up for generated sources.
 */
final class Protobuf {
    private static final int VARINT = 0, LENGTH_DELIMITED = 2, FIXED32 = 5;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** An int32, int64 or enum field. */
    Protobuf varint(int field, long value) {
        tag(field, VARINT);
        raw(value);
        return this;
    }

    Protobuf float32(int field, float value) {
        tag(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
        return this;
    }

    Protobuf string(int field, String value) { return bytes(field, value.getBytes(StandardCharsets.UTF_8)); }

    Protobuf bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        raw(value.length);
        out.writeBytes(value);
        return this;
    }

    Protobuf message(int field, Protobuf message) { return bytes(field, message.toByteArray()); }

    byte[] toByteArray() { return out.toByteArray(); }

    /** Little-endian float32s, the layout of ONNX's {@code raw_data}. */
    static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    static byte[] littleEndian(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return b.array();
    }

    private void tag(int field, int wireType) { raw(((long) field << 3) | wireType); }

    /** Base-128 varint; negative values take ten bytes, as protobuf's two's-complement int64. */
    private void raw(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
