package computepool.shard.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * How a shard's ONNX Runtime session runs. Intra-op threads never spin while idle, so a worker
 * waiting for its next token costs no CPU; the CUDA provider needs the {@code onnxruntime_gpu}
 * artifact (the {@code gpu} build profile) and is chosen by configuration alone.
 *
 * @param intraOpThreads threads one step's operators may use; 0 lets ONNX Runtime choose
 * @param provider where operators run
 * @param cudaDevice the GPU used by {@link ExecutionProvider#CUDA}
 * @param weightFormat how projections stored in 4-bit blocks are held and multiplied
 */
public record EngineOptions(int intraOpThreads, ExecutionProvider provider, int cudaDevice,
        WeightFormat weightFormat) {

    public enum ExecutionProvider {
        CPU,
        CUDA
    }

    public EngineOptions {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must not be negative, is " + intraOpThreads);
        }
    }

    public static EngineOptions cpu(int intraOpThreads) {
        return new EngineOptions(intraOpThreads, ExecutionProvider.CPU, 0, WeightFormat.Q4);
    }

    public EngineOptions with(WeightFormat format) {
        return new EngineOptions(intraOpThreads, provider, cudaDevice, format);
    }

    OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            if (provider == ExecutionProvider.CUDA) {
                options.addCUDA(cudaDevice);
            }
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }
}
