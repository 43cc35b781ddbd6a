package computepool.billing.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import computepool.billing.domain.AccountKind;
import java.time.Instant;
import java.util.UUID;

/** One account of the ledger. */
@Entity
@Table(name = "account")
public class AccountRecord {

    @Id
    public UUID id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, updatable = false)
    public AccountKind kind;

    @Column(name = "developer_id", updatable = false)
    public UUID developerId;

    @Column(updatable = false)
    public String subject;

    @Column(name = "operator_id", updatable = false)
    public String operatorId;

    @Column(name = "opened_at", nullable = false, updatable = false)
    public Instant openedAt;

    /** Kept by the database for developer wallets (the sum of their postings); read as of loading. */
    @Column(name = "balance_nano_usd", insertable = false, updatable = false)
    public long balanceNanoUsd;

    static AccountRecord forDeveloper(UUID developerId, String subject, AccountKind kind, Instant at) {
        AccountRecord row = new AccountRecord();
        row.id = UUID.randomUUID();
        row.kind = kind;
        row.developerId = developerId;
        row.subject = subject;
        row.openedAt = at;
        return row;
    }
}
