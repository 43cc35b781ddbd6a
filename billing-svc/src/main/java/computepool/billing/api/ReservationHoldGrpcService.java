package computepool.billing.api;

import static computepool.billing.api.GrpcArguments.invalid;
import static computepool.billing.api.GrpcArguments.uuid;

import computepool.billing.domain.Meter;
import computepool.billing.holds.ReservationHolds;
import computepool.billing.v1.InsufficientFunds;
import computepool.billing.v1.PlaceReservationHoldRequest;
import computepool.billing.v1.PlaceReservationHoldResponse;
import computepool.billing.v1.ReleaseReservationHoldRequest;
import computepool.billing.v1.ReleaseReservationHoldResponse;
import computepool.billing.v1.ReservationHold;
import computepool.billing.v1.ReservationHoldService;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.util.UUID;

/**
 * {@code computepool.billing.v1.ReservationHoldService}, for market-svc: a buy's most cost held on the buyer's funds
 * before the buy enters the book. Only market-svc's service token may call it, on the internal gRPC port. Each call
 * is one database transaction: a refused or failed call leaves nothing behind.
 */
@GrpcService
@RolesAllowed("market-svc")
public class ReservationHoldGrpcService implements ReservationHoldService {

    private static final int MAX_SUBJECT_LENGTH = 200;

    private final ReservationHolds holds;

    public ReservationHoldGrpcService(ReservationHolds holds) {
        this.holds = holds;
    }

    @Override
    @WithTransaction
    public Uni<PlaceReservationHoldResponse> placeReservationHold(PlaceReservationHoldRequest request) {
        UUID buyOrderId;
        try {
            buyOrderId = uuid(request.getBuyOrderId(), "buy_order_id");
            String subject = request.getBuyerKeycloakSubject();
            if (subject.isBlank() || subject.length() > MAX_SUBJECT_LENGTH) {
                throw invalid("buyer_keycloak_subject must be 1 to " + MAX_SUBJECT_LENGTH + " characters");
            }
            if (request.getAmountNanoUsd() <= 0) {
                throw invalid("amount_nano_usd must be positive, not " + request.getAmountNanoUsd());
            }
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return holds.place(buyOrderId, request.getBuyerKeycloakSubject(), request.getAmountNanoUsd())
                .map(placement -> switch (placement) {
                    case ReservationHolds.Placed placed -> PlaceReservationHoldResponse.newBuilder()
                            .setHold(hold(placed)).build();
                    case ReservationHolds.Refused refused -> PlaceReservationHoldResponse.newBuilder()
                            .setInsufficientFunds(InsufficientFunds.newBuilder()
                                    .setRequiredNanoUsd(refused.requiredNanoUsd())
                                    .setAvailableNanoUsd(refused.availableNanoUsd())
                                    .setMeter(Meter.RESERVATION_GPU_SECONDS)).build();
                });
    }

    @Override
    @WithTransaction
    public Uni<ReleaseReservationHoldResponse> releaseReservationHold(ReleaseReservationHoldRequest request) {
        UUID buyOrderId;
        try {
            buyOrderId = uuid(request.getBuyOrderId(), "buy_order_id");
        } catch (StatusRuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return holds.release(buyOrderId)
                .map(released -> ReleaseReservationHoldResponse.newBuilder().setReleased(released).build());
    }

    private static ReservationHold hold(ReservationHolds.Placed placed) {
        ReservationHold.Builder hold = ReservationHold.newBuilder()
                .setBuyOrderId(placed.hold().buyOrderId().toString())
                .setAmountNanoUsd(placed.hold().limitCostNanoUsd());
        placed.hold().pendingUntil().ifPresent(until -> hold.setPendingUntil(GrpcArguments.timestamp(until)));
        return hold.build();
    }
}
