package computepool.identity.domain;

/** Whether a key works. */
public enum ApiKeyState {
    ACTIVE,
    REVOKED,
    EXPIRED
}
