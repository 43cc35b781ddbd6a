package computepool.gguf.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Template features the SmolLM2 template does not use, with small templates of their own. */
class ChatTemplateTest {

    private static final List<ChatTemplate.Message> HI = List.of(new ChatTemplate.Message("user", "hi"));

    @Test
    void passesBosAndEosAndTrimsBlocksLikeJinja2() {
        // Indented block tags vanish with their line (lstrip_blocks, trim_blocks); output lines stay.
        ChatTemplate template = new ChatTemplate("{{ bos_token }}\n  {% for m in messages %}\n"
                + "{{ m.role }}: {{ m['content'] }}{{ eos_token }}\n  {% endfor %}\n"
                + "{% if add_generation_prompt %}assistant:{% endif %}", "<s>", "</s>");
        assertEquals("<s>\nuser: hi</s>\nassistant:", template.render(HI, true));
        assertEquals("<s>\nuser: hi</s>\n", template.render(HI, false));
    }

    @Test
    void readsLineBreaksAsJinja2Does() {
        ChatTemplate template = new ChatTemplate("{{ messages[0].content }}\r\nend\r\n", "", "");
        assertEquals("hi\nend", template.render(HI, true));
    }

    @Test
    void raiseExceptionRejectsTheConversation() {
        ChatTemplate template = new ChatTemplate(
                "{% if messages[0].role != 'system' %}{{ raise_exception('system message first') }}{% endif %}",
                "", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> template.render(HI, true));
        assertTrue(e.getMessage().contains("system message first"), e.getMessage());
    }
}
