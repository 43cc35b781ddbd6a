package computepool.shard.engine;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.List;

/**
 * Writes an ONNX graph node by node with generated value names, so graph code reads as the
 * computation ({@code x = add(x, matMul(h, w))}) rather than as protobuf plumbing.
 */
final class OnnxGraphBuilder {

    static final String MICROSOFT = "com.microsoft";
    private static final int ONNX_OPSET = 17;
    private static final int IR_VERSION = 8;
    /** Never read: every external initializer is supplied in memory before the session loads. */
    private static final String SUPPLIED_LOCATION = "supplied-in-memory";

    private final GraphProto.Builder graph;
    private int nextValue;

    OnnxGraphBuilder(String name) {
        graph = GraphProto.newBuilder().setName(name);
    }

    /** A graph input; a {@link String} in {@code dims} is a dimension fixed only at run time. */
    void input(String name, TensorProto.DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
    }

    void output(String name, TensorProto.DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    /**
     * Declares a weight whose data the session receives through
     * {@code SessionOptions.addExternalInitializers}: the model carries the initializer's name, type
     * and shape, marked as external data, and never a copy of the data. (ONNX Runtime checks an
     * initializer replaced by {@code addInitializer} against the data embedded in the model, so that
     * call would need the weights twice.)
     */
    String suppliedInitializer(String name, TensorProto.DataType type, long... dims) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(SUPPLIED_LOCATION));
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        graph.addInitializer(tensor);
        return name;
    }

    /** A small int64 constant stored in the model itself. */
    String int64s(String name, long... values) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.INT64.getNumber()).addDims(values.length);
        for (long value : values) {
            tensor.addInt64Data(value);
        }
        graph.addInitializer(tensor);
        return name;
    }

    /** Adds a node with one output and returns that output's generated name. */
    String op(String type, List<String> inputs, AttributeProto... attributes) {
        return op(type, "", inputs, List.of(type.toLowerCase() + "_" + nextValue++), attributes).get(0);
    }

    /** Adds a node with the given outputs, in {@code domain} ("" is the ONNX domain). */
    List<String> op(String type, String domain, List<String> inputs, List<String> outputs,
            AttributeProto... attributes) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(type).setDomain(domain)
                .setName(type + "_" + nextValue++).addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        graph.addNode(node);
        return outputs;
    }

    String fresh(String prefix) {
        return prefix + "_" + nextValue++;
    }

    ModelProto model() {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("computepool-shard-worker")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(ONNX_OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1))
                .setGraph(graph)
                .build();
    }

    static AttributeProto attribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    private static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            TensorShapeProto.Dimension.Builder dimension = TensorShapeProto.Dimension.newBuilder();
            if (dim instanceof String symbol) {
                dimension.setDimParam(symbol);
            } else {
                dimension.setDimValue(((Number) dim).longValue());
            }
            shape.addDim(dimension);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }
}
