package computepool.billing.domain;

/** The GPU types the platform prices; the same catalogue market-svc registers nodes with. */
public enum GpuType {
    RTX_3090,
    RTX_4090,
    L40S,
    A100_80GB,
    H100_80GB,
    H200
}
