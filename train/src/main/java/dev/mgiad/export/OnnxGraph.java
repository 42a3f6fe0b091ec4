package dev.mgiad.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model under construction: nodes in execution order, named initializers (the weights), typed graph inputs
 * and outputs, and string metadata; {@link #toByteArray} encodes it as an ONNX {@code ModelProto} (IR version 8,
 * default domain at {@value #OPSET}). Field numbers are those of {@code onnx/onnx.proto}.
 */
final class OnnxGraph {
    /** The operator set: BatchNormalization-9, Conv-11, Gemm-13, Slice-13, Pad-13, Flatten-13, the arithmetic at 13/14. */
    static final int OPSET = 13;
    /** IR version 8 (ONNX 1.10): readable by every ONNX Runtime since 1.10. */
    static final int IR_VERSION = 8;

    private static final int FLOAT = 1, INT64 = 7;                                 // TensorProto.DataType
    private static final int ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7;           // AttributeProto.AttributeType

    /** A node attribute: an int, a float or a list of ints. */
    record Attribute(String name, int type, long i, float f, long[] ints) {
        static Attribute of(String name, long v) { return new Attribute(name, ATTR_INT, v, 0f, null); }
        static Attribute of(String name, float v) { return new Attribute(name, ATTR_FLOAT, 0, v, null); }
        static Attribute of(String name, long... v) { return new Attribute(name, ATTR_INTS, 0, 0f, v); }
    }

    private record Node(String op, List<String> inputs, String output, List<Attribute> attributes) { }

    private record Initializer(String name, long[] dims, byte[] raw, int dataType) { }

    /** A graph input or output: name and dimensions, each a number or a symbolic name (a String). */
    private record Io(String name, List<Object> dims) { }

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Initializer> initializers = new LinkedHashMap<>();
    private final List<Io> inputs = new ArrayList<>(), outputs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Integer> opCounts = new LinkedHashMap<>();

    void node(String op, List<String> inputs, String output, Attribute... attributes) {
        nodes.add(new Node(op, List.copyOf(inputs), output, List.of(attributes)));
        opCounts.merge(op, 1, Integer::sum);
    }

    /** Adds a float32 initializer once; later calls with the same name (a weight used again) keep the first. */
    void floats(String name, long[] dims, float[] values) {
        initializers.putIfAbsent(name, new Initializer(name, dims.clone(), Protobuf.littleEndian(values), FLOAT));
    }

    void longs(String name, long[] dims, long[] values) {
        initializers.putIfAbsent(name, new Initializer(name, dims.clone(), Protobuf.littleEndian(values), INT64));
    }

    boolean hasInitializer(String name) { return initializers.containsKey(name); }

    void input(String name, List<Object> dims) { inputs.add(new Io(name, List.copyOf(dims))); }

    void output(String name, List<Object> dims) { outputs.add(new Io(name, List.copyOf(dims))); }

    void metadata(String key, String value) { metadata.put(key, value); }

    /** How many nodes of each operator type the graph holds, in order of first use. */
    Map<String, Integer> opCounts() { return Map.copyOf(opCounts); }

    int initializerCount() { return initializers.size(); }

    byte[] toByteArray(String graphName, String producerVersion, String doc) {
        Protobuf graph = new Protobuf();
        int i = 0;
        for (Node n : nodes) {
            Protobuf node = new Protobuf();
            for (String in : n.inputs) node.string(1, in);
            node.string(2, n.output).string(3, n.op + "_" + i++).string(4, n.op);
            for (Attribute a : n.attributes) node.message(5, attribute(a));
            graph.message(1, node);
        }
        graph.string(2, graphName);
        for (Initializer t : initializers.values()) {
            Protobuf tensor = new Protobuf();
            for (long d : t.dims) tensor.varint(1, d);
            tensor.varint(2, t.dataType).string(8, t.name).bytes(9, t.raw);
            graph.message(5, tensor);
        }
        graph.string(10, doc);
        for (Io in : inputs) graph.message(11, valueInfo(in));
        for (Io out : outputs) graph.message(12, valueInfo(out));

        Protobuf model = new Protobuf()
                .varint(1, IR_VERSION)
                .string(2, "mgiad-jvm")
                .string(3, producerVersion)
                .string(4, "dev.mgiad")
                .varint(5, 1)
                .string(6, doc)
                .message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, OPSET));
        for (var e : metadata.entrySet()) model.message(14, new Protobuf().string(1, e.getKey()).string(2, e.getValue()));
        return model.toByteArray();
    }

    private static Protobuf attribute(Attribute a) {
        Protobuf p = new Protobuf().string(1, a.name);
        switch (a.type) {
            case ATTR_FLOAT -> p.float32(2, a.f);
            case ATTR_INT -> p.varint(3, a.i);
            case ATTR_INTS -> { for (long v : a.ints) p.varint(8, v); }
            default -> throw new IllegalStateException("attribute type " + a.type);
        }
        return p.varint(20, a.type);
    }

    /** {@code ValueInfoProto} of a float tensor: {@code TypeProto.tensor_type} with its shape. */
    private static Protobuf valueInfo(Io io) {
        Protobuf shape = new Protobuf();
        for (Object d : io.dims) {
            Protobuf dim = new Protobuf();
            if (d instanceof String s) dim.string(2, s);
            else dim.varint(1, ((Number) d).longValue());
            shape.message(1, dim);
        }
        Protobuf tensorType = new Protobuf().varint(1, FLOAT).message(2, shape);
        return new Protobuf().string(1, io.name).message(2, new Protobuf().message(1, tensorType));
    }
}
