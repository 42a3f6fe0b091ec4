/**
 * Model export to ONNX ({@code mgiad export --onnx}).
 *
 * <p>{@link dev.mgiad.export.OnnxExport} runs a model's forward algorithm once through {@code OnnxOps}, an
 * implementation of {@link dev.mgiad.engine.nn.Ops} that records ONNX nodes instead of computing (as
 * {@link dev.mgiad.model.MacCounter} counts multiply-adds), so the graph is the model code itself: Conv with its
 * group attribute, BatchNormalization with the running statistics, Relu, Add/Sub, GlobalAveragePool, Flatten + Gemm,
 * and Slice + Pad for ResNet20's option-A shortcut, opset 13. The file is encoded by a small hand-written protobuf
 * writer ({@code Protobuf}, {@code OnnxGraph}) rather than protobuf-java with generated ONNX classes. Tests run the
 * exported files in ONNX Runtime (test scope only) against our logits and PyTorch's.
 */
package dev.mgiad.export;
