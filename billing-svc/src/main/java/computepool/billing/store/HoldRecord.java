package computepool.billing.store;

import computepool.billing.domain.HoldState;
import computepool.billing.domain.ModelPrice;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** Funds set aside for one request, with the price quoted when they were. */
@Entity
@Table(name = "hold")
public class HoldRecord {

    @Id
    public UUID id;

    @Column(name = "request_id", nullable = false, updatable = false)
    public String requestId;

    @Column(name = "paid_account_id", nullable = false, updatable = false)
    public UUID paidAccountId;

    @Column(nullable = false, updatable = false)
    public String meter;

    @Column(name = "model_id", nullable = false, updatable = false)
    public String modelId;

    @Column(name = "prompt_nano_usd_per_million_tokens", nullable = false, updatable = false)
    public long promptNanoUsdPerMillionTokens;

    @Column(name = "completion_nano_usd_per_million_tokens", nullable = false, updatable = false)
    public long completionNanoUsdPerMillionTokens;

    @Column(name = "amount_nano_usd", nullable = false, updatable = false)
    public long amountNanoUsd;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public HoldState state;

    @Column(name = "placed_at", nullable = false, updatable = false)
    public Instant placedAt;

    @Column(name = "expires_at", nullable = false, updatable = false)
    public Instant expiresAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Column(name = "charged_nano_usd")
    public Long chargedNanoUsd;

    /** The gateway's lease the hold's amount came out of; null for a hold covered by the developer's funds. */
    @Column(name = "lease_id", updatable = false)
    public UUID leaseId;

    static HoldRecord placed(String requestId, UUID paidAccountId, String meter, ModelPrice price, long amount,
            Instant at, Instant expiresAt, UUID leaseId) {
        HoldRecord hold = new HoldRecord();
        hold.id = UUID.randomUUID();
        hold.requestId = requestId;
        hold.paidAccountId = paidAccountId;
        hold.meter = meter;
        hold.modelId = price.modelId();
        hold.promptNanoUsdPerMillionTokens = price.promptNanoUsdPerMillionTokens();
        hold.completionNanoUsdPerMillionTokens = price.completionNanoUsdPerMillionTokens();
        hold.amountNanoUsd = amount;
        hold.state = HoldState.PLACED;
        hold.placedAt = at;
        hold.expiresAt = expiresAt;
        hold.leaseId = leaseId;
        return hold;
    }

    /** The price quoted when the hold was placed, which its request is charged at. */
    public ModelPrice quotedPrice() {
        return new ModelPrice(modelId, placedAt, promptNanoUsdPerMillionTokens, completionNanoUsdPerMillionTokens);
    }

    /** Counts against the developer's funds at {@code now}. */
    public boolean openAt(Instant now) {
        return state == HoldState.PLACED && now.isBefore(expiresAt);
    }

    void end(HoldState to, Instant at, Long charged) {
        state = to;
        endedAt = at;
        chargedNanoUsd = charged;
    }
}
