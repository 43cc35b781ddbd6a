package computepool.gateway.inference;

/** The two completion APIs; they differ in input (messages or raw text) and in the shape of their answers. */
public enum CompletionKind {

    CHAT("chat.completion", "chat.completion.chunk", "chatcmpl-"),
    TEXT("text_completion", "text_completion", "cmpl-");

    private final String object;
    private final String chunkObject;
    private final String idPrefix;

    CompletionKind(String object, String chunkObject, String idPrefix) {
        this.object = object;
        this.chunkObject = chunkObject;
        this.idPrefix = idPrefix;
    }

    public String object() {
        return object;
    }

    public String chunkObject() {
        return chunkObject;
    }

    public String idPrefix() {
        return idPrefix;
    }
}
