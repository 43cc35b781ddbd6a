package computepool.identity.domain.siwe;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Sign-In with Ethereum message (EIP-4361): what a wallet shows its owner and signs. Parsed strictly, line by line,
 * as the ABNF of the EIP lays it out. A signature covers the text as the wallet signed it, so it is checked against
 * that text, never against {@link #text()}, which renders a message the platform composes.
 */
public record SiweMessage(String domain, String address, Optional<String> statement, URI uri, String version,
        long chainId, String nonce, Instant issuedAt, Optional<Instant> expirationTime, Optional<Instant> notBefore,
        Optional<String> requestId, List<URI> resources) {

    private static final String PREAMBLE = " wants you to sign in with your Ethereum account:";
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9]{8,}");
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?");

    public SiweMessage {
        resources = List.copyOf(resources);
    }

    /** The message's text, as the wallet signed it. */
    public String text() {
        StringBuilder text = new StringBuilder();
        text.append(domain).append(PREAMBLE).append('\n').append(address).append("\n\n");
        statement.ifPresent(s -> text.append(s).append('\n'));
        text.append('\n');
        text.append("URI: ").append(uri).append('\n');
        text.append("Version: ").append(version).append('\n');
        text.append("Chain ID: ").append(chainId).append('\n');
        text.append("Nonce: ").append(nonce).append('\n');
        text.append("Issued At: ").append(issuedAt);
        expirationTime.ifPresent(t -> text.append("\nExpiration Time: ").append(t));
        notBefore.ifPresent(t -> text.append("\nNot Before: ").append(t));
        requestId.ifPresent(id -> text.append("\nRequest ID: ").append(id));
        if (!resources.isEmpty()) {
            text.append("\nResources:");
            resources.forEach(resource -> text.append("\n- ").append(resource));
        }
        return text.toString();
    }

    /** Parses {@code text}; a malformed message fails with the part of it that is wrong. */
    public static SiweMessage parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidSiweMessage("message", "is empty");
        }
        if (text.contains("\r")) {
            throw new InvalidSiweMessage("message", "has carriage returns; EIP-4361 lines end with a line feed alone");
        }
        Lines lines = new Lines(text.split("\n", -1));
        String first = lines.next("message", "the preamble");
        if (!first.endsWith(PREAMBLE)) {
            throw new InvalidSiweMessage("message", "does not begin with \"<domain>" + PREAMBLE + "\"");
        }
        String domain = first.substring(0, first.length() - PREAMBLE.length());
        if (!DOMAIN.matcher(domain).matches()) {
            throw new InvalidSiweMessage("domain", "is not a host name with an optional port");
        }
        String address = lines.next("address", "the address");
        if (!ADDRESS.matcher(address).matches()) {
            throw new InvalidSiweMessage("address", "is not 0x and 40 hexadecimal digits");
        }
        lines.blank("a blank line after the address");
        Optional<String> statement = Optional.empty();
        if (!lines.peek().isEmpty()) {
            String line = lines.next("statement", "the statement");
            if (line.contains("\n")) {
                throw new InvalidSiweMessage("statement", "spans more than one line");
            }
            statement = Optional.of(line);
        }
        lines.blank("a blank line before URI");
        URI uri = uri("uri", lines.field("URI"));
        String version = lines.field("Version");
        if (!version.equals("1")) {
            throw new InvalidSiweMessage("version", "is " + version + "; EIP-4361 defines version 1 only");
        }
        long chainId;
        try {
            chainId = Long.parseLong(lines.field("Chain ID"));
        } catch (NumberFormatException e) {
            throw new InvalidSiweMessage("chainId", "is not a number");
        }
        if (chainId <= 0) {
            throw new InvalidSiweMessage("chainId", "must be positive");
        }
        String nonce = lines.field("Nonce");
        if (!NONCE.matcher(nonce).matches()) {
            throw new InvalidSiweMessage("nonce", "must be at least 8 letters or digits");
        }
        Instant issuedAt = instant("issuedAt", lines.field("Issued At"));
        Optional<Instant> expiration = lines.optionalField("Expiration Time").map(v -> instant("expirationTime", v));
        Optional<Instant> notBefore = lines.optionalField("Not Before").map(v -> instant("notBefore", v));
        Optional<String> requestId = lines.optionalField("Request ID");
        List<URI> resources = new ArrayList<>();
        if (lines.hasNext() && lines.peek().equals("Resources:")) {
            lines.next("resources", "Resources:");
            while (lines.hasNext() && lines.peek().startsWith("- ")) {
                resources.add(uri("resources", lines.next("resources", "a resource").substring(2)));
            }
        }
        if (lines.hasNext()) {
            throw new InvalidSiweMessage("message", "has an unexpected line: " + lines.peek());
        }
        return new SiweMessage(domain, address, statement, uri, version, chainId, nonce, issuedAt, expiration,
                notBefore, requestId, resources);
    }

    private static URI uri(String field, String value) {
        try {
            URI uri = new URI(value);
            if (uri.getScheme() == null) {
                throw new InvalidSiweMessage(field, "is not an absolute URI");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new InvalidSiweMessage(field, "is not a URI");
        }
    }

    private static Instant instant(String field, String value) {
        try {
            return java.time.OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidSiweMessage(field, "is not an RFC 3339 date-time");
        }
    }

    private static final class Lines {
        private final String[] lines;
        private int at;

        Lines(String[] lines) {
            this.lines = lines;
        }

        boolean hasNext() {
            return at < lines.length;
        }

        String peek() {
            return hasNext() ? lines[at] : "";
        }

        String next(String field, String what) {
            if (!hasNext()) {
                throw new InvalidSiweMessage(field, "is missing: the message ends before " + what);
            }
            return lines[at++];
        }

        void blank(String what) {
            if (!next("message", what).isEmpty()) {
                throw new InvalidSiweMessage("message", "lacks " + what);
            }
        }

        String field(String name) {
            String line = next(fieldName(name), "\"" + name + ": \"");
            if (!line.startsWith(name + ": ")) {
                throw new InvalidSiweMessage(fieldName(name), "expected \"" + name + ": \" but found: " + line);
            }
            return line.substring(name.length() + 2);
        }

        Optional<String> optionalField(String name) {
            return hasNext() && peek().startsWith(name + ": ") ? Optional.of(field(name)) : Optional.empty();
        }

        private static String fieldName(String name) {
            String[] words = name.toLowerCase().split(" ");
            StringBuilder camel = new StringBuilder(words[0]);
            for (int i = 1; i < words.length; i++) {
                camel.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
            }
            return camel.toString();
        }
    }
}
