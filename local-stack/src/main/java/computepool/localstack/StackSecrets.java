package computepool.localstack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Passwords and secrets of one stack: generated on its first start and kept in its home, so a restart finds the
 * PostgreSQL cluster and the imported Keycloak realm still accepting them, API keys issued before still valid, and
 * the chain's treasury still owning what it was given.
 */
public record StackSecrets(String postgresPassword, String keycloakAdminPassword, String developerPassword,
        String adminPassword, String apiClientSecret, String apiKeyPepper, String chainTreasuryPrivateKey,
        Map<String, String> serviceClientSecrets, String ticketSigningKey, String ticketVerifyKey,
        String redisAdminPassword, Map<String, String> redisServicePasswords, String kafkaAdminPassword,
        String kafkaControllerPassword, Map<String, String> kafkaServicePasswords,
        Map<String, String> brokerClientSecrets) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int PASSWORD_BYTES = 18;
    /** identity-svc's HMAC key for API key hashes wants at least 32 bytes; 32 random bytes give 43 characters. */
    private static final int PEPPER_BYTES = 32;

    public StackSecrets {
        serviceClientSecrets = Map.copyOf(serviceClientSecrets);
        redisServicePasswords = Map.copyOf(redisServicePasswords);
        kafkaServicePasswords = Map.copyOf(kafkaServicePasswords);
        brokerClientSecrets = Map.copyOf(brokerClientSecrets);
    }

    public static StackSecrets loadOrCreate(Path file) throws IOException {
        Properties stored = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                stored.load(reader);
            }
        }
        int before = stored.size();
        StackSecrets secrets = new StackSecrets(
                value(stored, "postgres.password"),
                value(stored, "keycloak.admin.password"),
                value(stored, "test.developer.password"),
                value(stored, "test.admin.password"),
                value(stored, "keycloak.api.client.secret"),
                value(stored, "api.key.pepper", PEPPER_BYTES),
                (String) stored.computeIfAbsent("chain.treasury.private-key", k -> privateKey()),
                KeycloakLauncher.SERVICE_CLIENTS.stream().collect(Collectors.toMap(Function.identity(),
                        service -> value(stored, "keycloak.client." + service + ".secret"))),
                ticketKey(stored, "session-ticket.signing-key"),
                ticketKey(stored, "session-ticket.verify-key"),
                value(stored, "redis.admin.password"),
                RedisLauncher.SERVICE_USERS.stream().collect(Collectors.toMap(Function.identity(),
                        service -> value(stored, "redis." + service + ".password"))),
                value(stored, "kafka.admin.password"),
                value(stored, "kafka.controller.password"),
                KafkaAccess.SERVICES.stream().map(KafkaAccess::service).collect(Collectors.toMap(Function.identity(),
                        service -> value(stored, "kafka." + service + ".password"))),
                KeycloakLauncher.IDENTITY_PROVIDERS.stream().collect(Collectors.toMap(Function.identity(),
                        alias -> value(stored, "keycloak.broker." + alias + ".secret"))));
        if (stored.size() != before) {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer writer = Files.newBufferedWriter(tmp)) {
                stored.store(writer, "Generated once per stack home; PostgreSQL and Keycloak keep what they saw first.");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return secrets;
    }

    /** The secret of a service's own Keycloak client, with which it fetches its service token. */
    public String serviceClientSecret(String service) {
        String secret = serviceClientSecrets.get(service);
        if (secret == null) {
            throw new IllegalArgumentException("no Keycloak client for " + service + "; there are "
                    + serviceClientSecrets.keySet());
        }
        return secret;
    }

    /** The client secret Keycloak's identity broker {@code alias} presents to its provider. */
    public String brokerClientSecret(String alias) {
        String secret = brokerClientSecrets.get(alias);
        if (secret == null) {
            throw new IllegalArgumentException("no identity broker " + alias + "; there are "
                    + brokerClientSecrets.keySet());
        }
        return secret;
    }

    private static String value(Properties stored, String key) {
        return value(stored, key, PASSWORD_BYTES);
    }

    private static String value(Properties stored, String key, int randomBytes) {
        return (String) stored.computeIfAbsent(key, k -> generate(randomBytes));
    }

    /**
     * One half of the gateways' Ed25519 key pair for session tickets (base64 of PKCS#8 for the signing key, of X.509
     * for the verifying one); both halves are made together the first time either is asked for.
     */
    private static String ticketKey(Properties stored, String key) {
        if (!stored.containsKey("session-ticket.signing-key")) {
            try {
                KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                Base64.Encoder base64 = Base64.getEncoder();
                stored.setProperty("session-ticket.signing-key", base64.encodeToString(pair.getPrivate().getEncoded()));
                stored.setProperty("session-ticket.verify-key", base64.encodeToString(pair.getPublic().getEncoded()));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK since 15 has Ed25519", e);
            }
        }
        return stored.getProperty(key);
    }

    /**
     * A secp256k1 private key as 0x and 64 hex digits. 32 random bytes fall outside the curve's order (or are
     * zero) with a probability of about 2^-128, which is why no check is made.
     */
    private static String privateKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    /** URL-safe characters only, so the values need no quoting in env files, URLs or JSON. */
    private static String generate(int randomBytes) {
        byte[] bytes = new byte[randomBytes];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
