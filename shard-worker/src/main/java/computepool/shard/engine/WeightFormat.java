package computepool.shard.engine;

/** How a shard holds and multiplies by projection weights that the GGUF stores in 4-bit blocks. */
public enum WeightFormat {
    /** Dequantized to fp32 at load: the most memory, exact products of the stored values. */
    FP32,
    /** Kept 4-bit ({@code MatMulNBits}), multiplied in fp32: the products of FP32, a fifth of the memory. */
    Q4,
    /**
     * Kept 4-bit, with activations quantized to 8 bits per block of 32 as they are multiplied (as
     * llama.cpp does): about twice as fast on CPU, logprobs off by up to a few tenths.
     */
    Q4_INT8_ACTIVATIONS
}
