package computepool.shard.domain;

import java.util.regex.Pattern;

/** An account on an EVM chain: {@code 0x} and 40 hexadecimal digits, in any letter case. */
public record EvmAddress(String value) {

    private static final Pattern VALID = Pattern.compile("^0x[0-9a-fA-F]{40}$");

    public EvmAddress {
        if (value == null || !VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("an EVM address is 0x followed by 40 hexadecimal digits, not '" + value + "'");
        }
    }
}
