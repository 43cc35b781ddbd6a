package computepool.gguf.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import computepool.gguf.GgufMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template ({@code tokenizer.chat_template}, a Jinja template) rendered with
 * jinjava, with the variables and whitespace settings llama-cpp-python's Jinja2 formatter uses:
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token},
 * {@code raise_exception}, and trim_blocks plus lstrip_blocks.
 */
public final class ChatTemplate {

    /** One turn of a conversation. */
    public record Message(String role, String content) {
    }

    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    public ChatTemplate(String template, String bosToken, String eosToken) {
        this.template = asJinja2Reads(template);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    /** The template of a GGUF, its BOS and EOS written as the tokenizer's text for them. */
    public static ChatTemplate fromGguf(GgufMetadata metadata, Tokenizer tokenizer) {
        SpecialIds ids = tokenizer.specialIds();
        return new ChatTemplate(metadata.string("tokenizer.chat_template"),
                ids.bos().isPresent() ? tokenizer.tokenText(ids.bos().getAsInt()) : "",
                ids.eos().isPresent() ? tokenizer.tokenText(ids.eos().getAsInt()) : "");
    }

    /** The prompt text for {@code messages}; with {@code addGenerationPrompt}, ready for the assistant's turn. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result = jinjava.renderForResult(template, context);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(error -> error.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        if (!fatal.isEmpty()) {
            throw new IllegalArgumentException("chat template failed: " + describe(fatal.getFirst()));
        }
        return result.getOutput();
    }

    /** jinjava wraps what a function threw; the innermost message is the one the template wrote. */
    private static String describe(TemplateError error) {
        Throwable cause = error.getException();
        while (cause != null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause == null ? error.getMessage() : error.getMessage() + ": " + cause.getMessage();
    }

    /**
     * Jinja2's lexer turns every line break of a template into "\n" and drops one final line
     * break (keep_trailing_newline is off); jinjava does neither, so the source is prepared here.
     */
    private static String asJinja2Reads(String template) {
        String lines = template.replaceAll("\r\n?", "\n");
        return lines.endsWith("\n") ? lines.substring(0, lines.length() - 1) : lines;
    }

    /** Exposed to templates as {@code raise_exception}, which they call to reject a conversation. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException(message);
    }
}
