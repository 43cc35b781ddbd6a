package computepool.billing.api;

import static computepool.billing.api.GrpcArguments.invalid;
import static computepool.billing.api.GrpcArguments.uuid;
import static computepool.billing.api.GrpcArguments.timestamp;

import computepool.billing.config.BillingConfig;
import computepool.billing.domain.Meter;
import computepool.billing.holds.HoldBook;
import computepool.billing.holds.LeaseBook;
import computepool.billing.store.HoldRecord;
import computepool.billing.v1.Hold;
import computepool.billing.v1.HoldService;
import computepool.billing.v1.InsufficientFunds;
import computepool.billing.v1.Lease;
import computepool.billing.v1.LeaseFundsRequest;
import computepool.billing.v1.LeaseFundsResponse;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.PlaceHoldResponse;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.QuoteResponse;
import computepool.billing.v1.ReleaseHoldRequest;
import computepool.billing.v1.ReleaseHoldResponse;
import computepool.billing.v1.ReleaseLeaseRequest;
import computepool.billing.v1.ReleaseLeaseResponse;
import computepool.billing.v1.SettleHoldRequest;
import computepool.billing.v1.SettleHoldResponse;
import computepool.events.MalformedEventException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code computepool.billing.v1.HoldService}, for the gateways: funds held before a request runs and settled after.
 * Only a gateway's service token may call it, on the internal gRPC port. Each call is one database transaction: a
 * refused or failed call leaves nothing behind.
 */
@GrpcService
@RolesAllowed("gateway-svc")
public class HoldGrpcService implements HoldService {

    private static final int MAX_REQUEST_ID_LENGTH = 200;
    /** More than any model's context; guards the arithmetic against nonsense. */
    private static final long MAX_TOKENS = 100_000_000;

    private final HoldBook book;
    private final LeaseBook leases;
    private final Duration maxHold;

    public HoldGrpcService(HoldBook book, LeaseBook leases, BillingConfig config) {
        this.book = book;
        this.leases = leases;
        this.maxHold = config.maxHoldDuration();
    }

    @Override
    @WithTransaction
    public Uni<PlaceHoldResponse> placeHold(PlaceHoldRequest request) {
        Payer payer;
        try {
            checkRequestId(request.getRequestId(), "request_id");
            if (request.getModelId().isBlank()) {
                throw invalid("model_id must not be blank");
            }
            checkTokens(request.getPromptTokens(), "prompt_tokens");
            checkTokens(request.getMaxCompletionTokens(), "max_completion_tokens");
            if (request.getHoldSeconds() < 0 || request.getHoldSeconds() > maxHold.toSeconds()) {
                throw invalid("hold_seconds must be between 0 and " + maxHold.toSeconds() + ", not "
                        + request.getHoldSeconds());
            }
            payer = payer(request);
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        Optional<UUID> leaseId;
        try {
            leaseId = request.getLeaseId().isEmpty() ? Optional.empty()
                    : Optional.of(uuid(request.getLeaseId(), "lease_id"));
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return book.placeInference(request.getRequestId(), payer.developerId(), payer.subject(), request.getModelId(),
                        request.getPromptTokens(), request.getMaxCompletionTokens(),
                        Duration.ofSeconds(request.getHoldSeconds()), leaseId)
                .map(placement -> switch (placement) {
                    case HoldBook.Placed placed -> PlaceHoldResponse.newBuilder().setHold(hold(placed.hold())).build();
                    case HoldBook.Refused refused -> PlaceHoldResponse.newBuilder().setInsufficientFunds(
                            InsufficientFunds.newBuilder()
                                    .setRequiredNanoUsd(refused.requiredNanoUsd())
                                    .setAvailableNanoUsd(refused.availableNanoUsd())
                                    .setMeter(refused.meter())).build();
                })
                .onFailure(HoldBook.UnpricedModelException.class).transform(failure -> Status.FAILED_PRECONDITION
                        .withDescription(failure.getMessage()).asRuntimeException())
                .onFailure(IllegalArgumentException.class).transform(failure -> invalid(failure.getMessage()));
    }

    @Override
    @WithTransaction
    public Uni<LeaseFundsResponse> leaseFunds(LeaseFundsRequest request) {
        UUID leaseId;
        Payer payer;
        try {
            leaseId = uuid(request.getLeaseId(), "lease_id");
            payer = payer(request.getPayerCase().getNumber(), request.getDeveloperId(), request.getKeycloakSubject());
            if (request.getAtLeastNanoUsd() < 0) {
                throw invalid("at_least_nano_usd must not be negative, not " + request.getAtLeastNanoUsd());
            }
            if (request.getWantedNanoUsd() < request.getAtLeastNanoUsd()) {
                throw invalid("wanted_nano_usd must be at least at_least_nano_usd (" + request.getAtLeastNanoUsd()
                        + "), not " + request.getWantedNanoUsd());
            }
            if (request.getLeaseSeconds() <= 0 || request.getLeaseSeconds() > maxHold.toSeconds()) {
                throw invalid("lease_seconds must be between 1 and " + maxHold.toSeconds() + ", not "
                        + request.getLeaseSeconds());
            }
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return leases.lease(leaseId, payer.developerId(), payer.subject(), request.getAtLeastNanoUsd(),
                        request.getWantedNanoUsd(), Duration.ofSeconds(request.getLeaseSeconds()))
                .map(leasing -> switch (leasing) {
                    case LeaseBook.Leased leased -> LeaseFundsResponse.newBuilder().setLease(Lease.newBuilder()
                            .setLeaseId(leased.leaseId().toString())
                            .setAmountNanoUsd(leased.amountNanoUsd())
                            .setGrantedNanoUsd(leased.grantedNowNanoUsd())
                            .setExpiresAt(timestamp(leased.expiresAt()))).build();
                    case LeaseBook.Refused refused -> LeaseFundsResponse.newBuilder().setInsufficientFunds(
                            InsufficientFunds.newBuilder()
                                    .setRequiredNanoUsd(refused.requiredNanoUsd())
                                    .setAvailableNanoUsd(refused.availableNanoUsd())
                                    .setMeter(refused.meter())).build();
                })
                .onFailure(IllegalArgumentException.class).transform(failure -> invalid(failure.getMessage()))
                .onFailure(LeaseBook.LeaseEndedException.class).transform(failure -> Status.FAILED_PRECONDITION
                        .withDescription(failure.getMessage()).asRuntimeException());
    }

    @Override
    @WithTransaction
    public Uni<ReleaseLeaseResponse> releaseLease(ReleaseLeaseRequest request) {
        UUID leaseId;
        Payer payer;
        try {
            leaseId = uuid(request.getLeaseId(), "lease_id");
            payer = payer(request.getPayerCase().getNumber(), request.getDeveloperId(), request.getKeycloakSubject());
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return leases.release(leaseId, payer.developerId(), payer.subject())
                .map(freed -> ReleaseLeaseResponse.newBuilder().setFreedNanoUsd(freed).build())
                .onFailure(NoSuchElementException.class).transform(failure -> Status.NOT_FOUND
                        .withDescription(failure.getMessage()).asRuntimeException())
                .onFailure(IllegalArgumentException.class).transform(failure -> invalid(failure.getMessage()));
    }

    @Override
    @WithTransaction
    public Uni<SettleHoldResponse> settleHold(SettleHoldRequest request) {
        UUID holdId;
        try {
            holdId = uuid(request.getHoldId(), "hold_id");
            if (!request.hasUsage()) {
                throw invalid("usage is required");
            }
            checkRequestId(request.getUsage().getRequestId(), "usage.request_id");
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return book.settle(holdId, request.getUsage())
                .map(settled -> SettleHoldResponse.newBuilder()
                        .setChargedNanoUsd(settled.chargedNanoUsd())
                        .setReleasedNanoUsd(settled.releasedNanoUsd()).build())
                .onFailure(NoSuchElementException.class).transform(failure -> Status.NOT_FOUND
                        .withDescription(failure.getMessage()).asRuntimeException())
                .onFailure(failure -> failure instanceof IllegalArgumentException
                        || failure instanceof MalformedEventException)
                .transform(failure -> invalid(failure.getMessage()));
    }

    @Override
    @WithTransaction
    public Uni<ReleaseHoldResponse> releaseHold(ReleaseHoldRequest request) {
        UUID holdId;
        try {
            holdId = uuid(request.getHoldId(), "hold_id");
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return book.release(holdId)
                .map(state -> ReleaseHoldResponse.newBuilder().setState(state.name()).build())
                .onFailure(NoSuchElementException.class).transform(failure -> Status.NOT_FOUND
                        .withDescription(failure.getMessage()).asRuntimeException());
    }

    @Override
    @WithSession
    public Uni<QuoteResponse> quote(QuoteRequest request) {
        try {
            if (request.getModelId().isBlank()) {
                throw invalid("model_id must not be blank");
            }
            checkTokens(request.getPromptTokens(), "prompt_tokens");
            checkTokens(request.getMaxCompletionTokens(), "max_completion_tokens");
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return book.quoteInference(request.getModelId(), request.getPromptTokens(), request.getMaxCompletionTokens())
                .map(quoted -> QuoteResponse.newBuilder()
                        .setMaxCostNanoUsd(quoted.maxCostNanoUsd())
                        .setMeter(Meter.INFERENCE_TOKENS)
                        .setPromptNanoUsdPerMillionTokens(quoted.price().promptNanoUsdPerMillionTokens())
                        .setCompletionNanoUsdPerMillionTokens(quoted.price().completionNanoUsdPerMillionTokens())
                        .build())
                .onFailure(HoldBook.UnpricedModelException.class).transform(failure -> Status.FAILED_PRECONDITION
                        .withDescription(failure.getMessage()).asRuntimeException());
    }

    /** Who pays: the developer of an API key, or the subject of a Keycloak login. */
    private record Payer(Optional<UUID> developerId, Optional<String> subject) {
    }

    private static Payer payer(PlaceHoldRequest request) {
        return payer(request.getPayerCase().getNumber(), request.getDeveloperId(), request.getKeycloakSubject());
    }

    /** The payer of any request with the {@code payer} oneof: field 2 a developer id, field 3 a Keycloak subject. */
    private static Payer payer(int payerField, String developerId, String keycloakSubject) {
        return switch (payerField) {
            case 2 -> new Payer(Optional.of(uuid(developerId, "developer_id")), Optional.empty());
            case 3 -> {
                if (keycloakSubject.isBlank()) {
                    throw invalid("keycloak_subject must not be blank");
                }
                yield new Payer(Optional.empty(), Optional.of(keycloakSubject));
            }
            default -> throw invalid("payer: one of developer_id and keycloak_subject is required");
        };
    }

    private static Hold hold(HoldRecord hold) {
        Hold.Builder answer = Hold.newBuilder()
                .setHoldId(hold.id.toString())
                .setRequestId(hold.requestId)
                .setAmountNanoUsd(hold.amountNanoUsd)
                .setExpiresAt(timestamp(hold.expiresAt));
        if (hold.leaseId != null) {
            answer.setLeaseId(hold.leaseId.toString());
        }
        return answer.build();
    }

    private static void checkRequestId(String requestId, String field) {
        if (requestId.isBlank()) {
            throw invalid(field + " must not be blank");
        }
        if (requestId.length() > MAX_REQUEST_ID_LENGTH) {
            throw invalid(field + " must be at most " + MAX_REQUEST_ID_LENGTH + " characters");
        }
    }

    private static void checkTokens(long tokens, String field) {
        if (tokens < 0 || tokens > MAX_TOKENS) {
            throw invalid(field + " must be between 0 and " + MAX_TOKENS + ", not " + tokens);
        }
    }
}
