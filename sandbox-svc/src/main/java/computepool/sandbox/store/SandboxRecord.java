package computepool.sandbox.store;

import computepool.sandbox.domain.Sandbox;
import computepool.sandbox.domain.SandboxLimits;
import computepool.sandbox.domain.SandboxRuntime;
import computepool.sandbox.domain.SandboxState;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** The row of one sandbox; its state column is the persisted state machine. */
@Entity
@Table(name = "sandbox")
public class SandboxRecord {

    @Id
    public UUID id;

    @Column(name = "owner_id", nullable = false, updatable = false)
    public String ownerId;

    @Column(nullable = false, updatable = false)
    public String runtime;

    @Column(name = "cpu_millis", nullable = false, updatable = false)
    public int cpuMillis;

    @Column(name = "memory_mb", nullable = false, updatable = false)
    public int memoryMb;

    @Column(name = "timeout_seconds", nullable = false, updatable = false)
    public int timeoutSeconds;

    @Column(nullable = false)
    public String state;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    static SandboxRecord from(Sandbox sandbox) {
        SandboxRecord row = new SandboxRecord();
        row.id = sandbox.id();
        row.ownerId = sandbox.ownerId();
        row.runtime = sandbox.runtime().wireName();
        row.cpuMillis = sandbox.limits().cpuMillis();
        row.memoryMb = sandbox.limits().memoryMb();
        row.timeoutSeconds = sandbox.limits().timeoutSeconds();
        row.createdAt = sandbox.createdAt();
        row.apply(sandbox);
        return row;
    }

    void apply(Sandbox sandbox) {
        state = sandbox.state().name();
        updatedAt = sandbox.updatedAt();
    }

    Sandbox toDomain() {
        SandboxRuntime known = SandboxRuntime.named(runtime)
                .orElseThrow(() -> new IllegalStateException("sandbox " + id + " has unknown runtime " + runtime));
        return new Sandbox(id, ownerId, known, new SandboxLimits(cpuMillis, memoryMb, timeoutSeconds),
                SandboxState.valueOf(state), createdAt, updatedAt);
    }
}
