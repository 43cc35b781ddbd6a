package computepool.shard.engine;

import static computepool.shard.engine.OnnxGraphBuilder.MICROSOFT;
import static computepool.shard.engine.OnnxGraphBuilder.attribute;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The ONNX graph of one shard: layers {@code [start, end)} of a Llama decoder, plus the token
 * embedding on the entry shard and the final norm and LM head on the exit shard.
 *
 * <p>Each layer is RMSNorm → Q/K/V projections → {@code GroupQueryAttention} (rotary embedding
 * applied inside, reading and writing the session's KV cache in place) → output projection →
 * residual, then RMSNorm → SwiGLU MLP → residual. GGUF stores Q and K rows in the interleaved
 * rotary order llama.cpp uses, so attention runs with {@code rotary_interleaved=1}.
 *
 * <p>Inputs: {@code input_ids} (int32 {@code [batch, sequence]}) on the entry shard, else
 * {@code hidden_in} (float {@code [batch, sequence, hidden]}); {@code seqlens_k} (int32
 * {@code [batch]}, tokens in the cache after this step minus one) and {@code total_sequence_length}
 * (int32 scalar); per layer {@code past_key.N}/{@code past_value.N} (float
 * {@code [batch, kvHeads, capacity, headSize]}). Outputs: {@code logits} (float
 * {@code [batch, vocabulary]}, last position only) on the exit shard, else {@code hidden_out};
 * per layer {@code present_key.N}/{@code present_value.N}, bound to the same buffers as the past.
 */
public final class ShardGraph {

    public static final String INPUT_IDS = "input_ids";
    public static final String HIDDEN_IN = "hidden_in";
    public static final String HIDDEN_OUT = "hidden_out";
    public static final String LOGITS = "logits";
    public static final String SEQLENS_K = "seqlens_k";
    public static final String TOTAL_SEQUENCE_LENGTH = "total_sequence_length";

    private static final String BATCH = "batch";
    private static final String SEQUENCE = "sequence";
    private static final String CAPACITY = "capacity";
    private static final String COS_CACHE = "rotary.cos";
    private static final String SIN_CACHE = "rotary.sin";
    private static final String TOKEN_EMBEDDING = "token_embd.weight";

    /**
     * A weight the session receives from outside the model, filled on demand into off-heap memory
     * (native byte order, {@link #byteSize()} bytes) of type FLOAT or UINT8.
     */
    public record Initializer(String name, DataType type, long[] shape, Consumer<ByteBuffer> fill) {

        public long elementCount() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        public long byteSize() {
            return Math.multiplyExact(elementCount(), type == DataType.UINT8 ? 1 : Float.BYTES);
        }
    }

    private final ModelSpec spec;
    private final LayerRange range;
    private final ModelProto model;
    private final List<Initializer> initializers;

    private ShardGraph(ModelSpec spec, LayerRange range, ModelProto model, List<Initializer> initializers) {
        this.spec = spec;
        this.range = range;
        this.model = model;
        this.initializers = List.copyOf(initializers);
    }

    /**
     * Builds the graph and checks that {@code weights} holds every tensor it needs, in the shape the
     * spec implies, before any of them is read. {@code format} says whether projections stored in
     * 4-bit blocks stay 4-bit ({@code MatMulNBits}) or are dequantized to fp32 at load.
     *
     * @throws UnsupportedModelException naming a missing or misshapen tensor
     */
    public static ShardGraph build(ModelSpec spec, LayerRange range, WeightSource weights, WeightFormat format) {
        return new Writer(spec, range, weights, format).write();
    }

    public static String pastKey(int layer) {
        return "past_key." + layer;
    }

    public static String pastValue(int layer) {
        return "past_value." + layer;
    }

    public static String presentKey(int layer) {
        return "present_key." + layer;
    }

    public static String presentValue(int layer) {
        return "present_value." + layer;
    }

    public ModelSpec spec() {
        return spec;
    }

    public LayerRange range() {
        return range;
    }

    public ModelProto model() {
        return model;
    }

    public List<Initializer> initializers() {
        return initializers;
    }

    private static final class Writer {

        private final ModelSpec spec;
        private final LayerRange range;
        private final WeightSource weights;
        private final WeightFormat format;
        private final OnnxGraphBuilder graph;
        private final List<Initializer> initializers = new ArrayList<>();
        /** Per activation, its sums over blocks of 32, shared by the Q4_1 projections that read it. */
        private final Map<String, String> blockSums = new HashMap<>();

        Writer(ModelSpec spec, LayerRange range, WeightSource weights, WeightFormat format) {
            this.spec = spec;
            this.range = range;
            this.weights = weights;
            this.format = format;
            this.graph = new OnnxGraphBuilder("shard_" + range.start() + "_" + range.end());
        }

        ShardGraph write() {
            int hidden = spec.hiddenSize();
            String x;
            if (range.isEntry()) {
                graph.input(INPUT_IDS, DataType.INT32, BATCH, SEQUENCE);
                x = graph.op("Gather", List.of(embedding(), INPUT_IDS));
            } else {
                graph.input(HIDDEN_IN, DataType.FLOAT, BATCH, SEQUENCE, hidden);
                x = HIDDEN_IN;
            }
            graph.input(SEQLENS_K, DataType.INT32, BATCH);
            graph.input(TOTAL_SEQUENCE_LENGTH, DataType.INT32);
            rotaryCaches();
            for (int layer = range.start(); layer < range.end(); layer++) {
                x = layer(layer, x);
            }
            if (range.isExit(spec)) {
                graph.output(LOGITS, DataType.FLOAT, BATCH, spec.vocabularySize());
                lmHead(x);
            } else {
                graph.output(HIDDEN_OUT, DataType.FLOAT, BATCH, SEQUENCE, hidden);
                graph.op("Identity", "", List.of(x), List.of(HIDDEN_OUT));
            }
            return new ShardGraph(spec, range, graph.model(), initializers);
        }

        private String layer(int layer, String x) {
            String prefix = "blk." + layer + ".";
            int hidden = spec.hiddenSize();
            int kv = spec.kvSize();
            graph.input(pastKey(layer), DataType.FLOAT, BATCH, spec.kvHeadCount(), CAPACITY, spec.headSize());
            graph.input(pastValue(layer), DataType.FLOAT, BATCH, spec.kvHeadCount(), CAPACITY, spec.headSize());
            graph.output(presentKey(layer), DataType.FLOAT, BATCH, spec.kvHeadCount(), CAPACITY, spec.headSize());
            graph.output(presentValue(layer), DataType.FLOAT, BATCH, spec.kvHeadCount(), CAPACITY, spec.headSize());

            String h = rmsNorm(x, vector(prefix + "attn_norm.weight", hidden));
            String q = matMul(h, prefix + "attn_q.weight", hidden, hidden);
            String k = matMul(h, prefix + "attn_k.weight", hidden, kv);
            String v = matMul(h, prefix + "attn_v.weight", hidden, kv);
            String attention = graph.fresh("attention");
            graph.op("GroupQueryAttention", MICROSOFT,
                    List.of(q, k, v, pastKey(layer), pastValue(layer), SEQLENS_K, TOTAL_SEQUENCE_LENGTH, COS_CACHE,
                            SIN_CACHE),
                    List.of(attention, presentKey(layer), presentValue(layer)),
                    attribute("num_heads", spec.headCount()),
                    attribute("kv_num_heads", spec.kvHeadCount()),
                    attribute("scale", (float) (1.0 / Math.sqrt(spec.headSize()))),
                    attribute("do_rotary", 1L),
                    attribute("rotary_interleaved", 1L));
            String projected = matMul(attention, prefix + "attn_output.weight", hidden, hidden);
            x = graph.op("Add", List.of(x, projected));

            h = rmsNorm(x, vector(prefix + "ffn_norm.weight", hidden));
            int ffn = spec.feedForwardSize();
            String gate = matMul(h, prefix + "ffn_gate.weight", hidden, ffn);
            String up = matMul(h, prefix + "ffn_up.weight", hidden, ffn);
            String silu = graph.op("Mul", List.of(gate, graph.op("Sigmoid", List.of(gate))));
            String down = matMul(graph.op("Mul", List.of(silu, up)), prefix + "ffn_down.weight", ffn, hidden);
            return graph.op("Add", List.of(x, down));
        }

        /** Final norm and LM head over the last position only: generation never needs the others. */
        private void lmHead(String x) {
            String sequenceAxis = graph.int64s("sequence_axis", 1);
            String last = graph.op("Slice", List.of(x,
                    graph.int64s("last.starts", -1), graph.int64s("last.ends", Long.MAX_VALUE), sequenceAxis));
            String squeezed = graph.op("Squeeze", List.of(last, sequenceAxis));
            String normed = rmsNorm(squeezed, vector("output_norm.weight", spec.hiddenSize()));
            // Gemm with transB reads the [vocabulary, hidden] matrix as stored, so tied embeddings
            // serve as the LM head without a transposed copy.
            String head = spec.tiedEmbeddings() ? embedding() : rows("output.weight", spec.vocabularySize());
            graph.op("Gemm", "", List.of(normed, head), List.of(LOGITS), attribute("transB", 1L));
        }

        private String matMul(String x, String weight, int in, int out) {
            if (format != WeightFormat.FP32 && Q4Blocks.isQ4(weights.type(weight)) && in % Q4Blocks.BLOCK == 0) {
                return matMulNBits(x, weight, in, out);
            }
            String matrix = projection(weight, in, out);
            return graph.op("MatMul", List.of(x, matrix));
        }

        /**
         * {@code y = x W} with {@code W} kept in its 4-bit blocks: ggml's {@code out} rows of
         * {@code in} are the {@code [N, K]} layout {@code MatMulNBits} reads, so only the nibbles
         * within each block move. Q4_1's per-block minimum {@code m} is added as
         * {@code sum over blocks b of m[n, b] * (sum of x over block b)}: a second, 32 times
         * smaller fp32 MatMul, which keeps {@code MatMulNBits} on ONNX Runtime's fast path for
         * integer zero points (a float zero point of {@code -m/d} would make it dequantize all of
         * {@code W} on every step). See {@link Q4Blocks}.
         */
        private String matMulNBits(String x, String weight, int in, int out) {
            expectShape(weight, in, out);
            Q4Blocks blocks = new Q4Blocks(weights.type(weight), weights.stored(weight), out, in);
            int blocksPerRow = in / Q4Blocks.BLOCK;
            String packed = weight + ".q4";
            String scales = weight + ".scales";
            addBytes(packed, new long[] {out, blocksPerRow, Q4Blocks.PACKED_BYTES}, blocks::packedInto);
            add(scales, new long[] {(long) out * blocksPerRow}, blocks::scalesInto);
            List<String> inputs = new ArrayList<>(List.of(x, packed, scales));
            if (blocks.hasMinimums()) {
                // Without zero points MatMulNBits assumes 8 (Q4_0's centre); Q4_1's nibbles start at 0.
                String zeroPoints = weight + ".zero_points";
                long zeroPointBytes = (long) out * ((blocksPerRow + 1) / 2);
                addBytes(zeroPoints, new long[] {zeroPointBytes}, bytes -> bytes.put(new byte[(int) zeroPointBytes]));
                inputs.add(zeroPoints);
            }
            String product = graph.fresh("matmul_nbits");
            graph.op("MatMulNBits", MICROSOFT, inputs, List.of(product),
                    attribute("K", (long) in),
                    attribute("N", (long) out),
                    attribute("bits", 4L),
                    attribute("block_size", (long) Q4Blocks.BLOCK),
                    attribute("accuracy_level", format == WeightFormat.Q4_INT8_ACTIVATIONS ? 4L : 0L));
            if (!blocks.hasMinimums()) {
                return product;
            }
            String minimums = weight + ".minimums";
            add(minimums, new long[] {blocksPerRow, out}, blocks::minimumsInto);
            String offsets = graph.op("MatMul", List.of(blockSums(x, in), minimums));
            return graph.op("Add", List.of(product, offsets));
        }

        /** {@code x} {@code [batch, sequence, in]} summed over each block of 32 values: {@code [batch, sequence, in / 32]}. */
        private String blockSums(String x, int in) {
            return blockSums.computeIfAbsent(x, input -> {
                String blocked = graph.op("Reshape", List.of(input,
                        graph.int64s(graph.fresh("blocks_shape"), 0, 0, in / Q4Blocks.BLOCK, Q4Blocks.BLOCK)));
                return graph.op("ReduceSum", "", List.of(blocked, graph.int64s(graph.fresh("last_axis"), -1)),
                        List.of(graph.fresh("block_sums")), attribute("keepdims", 0L)).get(0);
            });
        }

        private String rmsNorm(String x, String weight) {
            return graph.op("SimplifiedLayerNormalization", List.of(x, weight),
                    attribute("axis", -1L),
                    attribute("epsilon", (float) spec.rmsNormEpsilon()),
                    attribute("stash_type", 1L));
        }

        private String embedding() {
            return rows(TOKEN_EMBEDDING, spec.vocabularySize());
        }

        /** A {@code [rows, hidden]} matrix kept in ggml's own row order; added once however often used. */
        private String rows(String name, int rows) {
            if (initializers.stream().noneMatch(initializer -> initializer.name().equals(name))) {
                expectShape(name, spec.hiddenSize(), rows);
                add(name, new long[] {rows, spec.hiddenSize()}, out -> weights.read(name, out));
            }
            return name;
        }

        private String vector(String name, int size) {
            expectShape(name, size);
            add(name, new long[] {size}, out -> weights.read(name, out));
            return name;
        }

        /**
         * A projection {@code y = x W} with {@code W} as {@code [in, out]}: ggml stores it as
         * {@code out} rows of {@code in}, so it is transposed once at load.
         */
        private String projection(String name, int in, int out) {
            expectShape(name, in, out);
            add(name, new long[] {in, out}, target -> {
                float[] stored = new float[Math.multiplyExact(in, out)];
                weights.read(name, FloatBuffer.wrap(stored));
                int base = target.position();
                for (int row = 0; row < out; row++) {
                    for (int column = 0; column < in; column++) {
                        target.put(base + column * out + row, stored[row * in + column]);
                    }
                }
                target.position(base + stored.length);
            });
            return name;
        }

        /**
         * Cosine and sine per position and rotary pair, computed in float with llama.cpp's
         * recurrence (theta multiplied by a constant per pair) so positions rotate as they do there.
         */
        private void rotaryCaches() {
            int positions = spec.contextLength();
            int pairs = spec.headSize() / 2;
            float thetaScale = (float) Math.pow(spec.ropeFreqBase(), -2.0 / spec.headSize());
            long[] shape = {positions, pairs};
            add(COS_CACHE, shape, out -> rotary(out, positions, pairs, thetaScale, true));
            add(SIN_CACHE, shape, out -> rotary(out, positions, pairs, thetaScale, false));
        }

        private static void rotary(FloatBuffer out, int positions, int pairs, float thetaScale, boolean cosine) {
            int base = out.position();
            for (int position = 0; position < positions; position++) {
                float theta = position;
                for (int pair = 0; pair < pairs; pair++) {
                    out.put(base + position * pairs + pair, (float) (cosine ? Math.cos(theta) : Math.sin(theta)));
                    theta *= thetaScale;
                }
            }
            out.position(base + positions * pairs);
        }

        private void add(String name, long[] shape, Consumer<FloatBuffer> fill) {
            graph.suppliedInitializer(name, DataType.FLOAT, shape);
            initializers.add(new Initializer(name, DataType.FLOAT, shape, bytes -> {
                FloatBuffer floats = bytes.asFloatBuffer();
                fill.accept(floats);
                bytes.position(bytes.position() + floats.position() * Float.BYTES);
            }));
        }

        private void addBytes(String name, long[] shape, Consumer<ByteBuffer> fill) {
            graph.suppliedInitializer(name, DataType.UINT8, shape);
            initializers.add(new Initializer(name, DataType.UINT8, shape, fill));
        }

        /** Checks a tensor's ggml shape (first dimension fastest) against what the spec implies. */
        private void expectShape(String name, long... ggmlShape) {
            long[] actual = weights.shape(name)
                    .orElseThrow(() -> new UnsupportedModelException("tensor " + name + " is missing"));
            if (!Arrays.equals(actual, ggmlShape)) {
                throw new UnsupportedModelException("tensor " + name + " has shape " + Arrays.toString(actual)
                        + ", expected " + Arrays.toString(ggmlShape));
            }
        }
    }
}
