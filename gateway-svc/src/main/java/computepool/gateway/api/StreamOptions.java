package computepool.gateway.api;

/** {@code stream_options}: with {@code include_usage}, a last chunk before {@code [DONE]} carries the usage. */
public record StreamOptions(Boolean includeUsage) {
}
