package computepool.market.funding;

import com.fasterxml.jackson.databind.ObjectMapper;
import computepool.billing.v1.InsufficientFunds;
import computepool.billing.v1.PlaceReservationHoldRequest;
import computepool.billing.v1.PlaceReservationHoldResponse;
import computepool.billing.v1.ReleaseReservationHoldRequest;
import computepool.billing.v1.ReleaseReservationHoldResponse;
import computepool.billing.v1.ReservationHold;
import computepool.billing.v1.ReservationHoldServiceGrpc;
import io.grpc.Contexts;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.runtime.Startup;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * billing-svc's {@code ReservationHoldService} as market-svc's tests meet it: a gRPC server on loopback, on the port
 * {@link Port} points market-svc's billing client at, keeping a reference model of funds. A developer has unlimited
 * funds unless a test limits them, from then on; each hold placed after that takes its amount out of them until it is
 * released. billing-svc itself is
 * proven against the real ledger in its own tests and in the journeys; this is how market-svc's tests see what it
 * asks for. It records the {@code azp} of every caller's token and refuses a call without one.
 */
@Startup
@Singleton
public class BillingStandIn {

    /** Chooses the billing client's port for every market-svc test (a global test resource). */
    @QuarkusTestResource(Port.class)
    public static class Port implements QuarkusTestResourceLifecycleManager {

        @Override
        public Map<String, String> start() {
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                // In test mode a client dials its test-port (by default the service's own test server).
                String port = String.valueOf(free.getLocalPort());
                return Map.of("quarkus.grpc.clients.billing.host", "127.0.0.1",
                        "quarkus.grpc.clients.billing.port", port, "quarkus.grpc.clients.billing.test-port", port);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
        }
    }

    private static final Context.Key<String> CALLER = Context.key("caller");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    // Guarded by this.
    private final Map<String, Long> balances = new HashMap<>();
    private final Map<UUID, PlaceReservationHoldRequest> holds = new HashMap<>();
    /** The holds placed on a limited developer's funds, which count against its limit. */
    private final Map<UUID, Long> counted = new HashMap<>();
    private final List<String> callers = new ArrayList<>();
    private boolean down;

    public BillingStandIn(@ConfigProperty(name = "quarkus.grpc.clients.billing.port") int port) throws IOException {
        ServerInterceptor caller = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                    ServerCallHandler<Q, A> next) {
                String authorization = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
                Optional<String> azp = authorizedParty(authorization);
                if (azp.isEmpty()) {
                    call.close(Status.UNAUTHENTICATED.withDescription("no bearer token"), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return Contexts.interceptCall(Context.current().withValue(CALLER, azp.get()), call, headers, next);
            }
        };
        server = ServerBuilder.forPort(port).addService(ServerInterceptors.intercept(new Holds(), caller)).build()
                .start();
    }

    @PreDestroy
    void stop() {
        server.shutdownNow();
    }

    /** From now on the developer can spend {@code nanoUsd}, less what the holds placed from now on take. */
    public synchronized void limitFunds(String subject, long nanoUsd) {
        balances.put(subject, nanoUsd);
        counted.keySet().removeIf(id -> holds.get(id).getBuyerKeycloakSubject().equals(subject));
    }

    /** The developer's funds are unlimited again, as every developer's are by default. */
    public synchronized void unlimitedFunds(String subject) {
        balances.remove(subject);
    }

    /** Billing answers nothing but UNAVAILABLE while down. */
    public synchronized void down(boolean down) {
        this.down = down;
    }

    /** The amount held for the buy, if a hold is open. */
    public synchronized Optional<Long> held(UUID buyOrderId) {
        return Optional.ofNullable(holds.get(buyOrderId)).map(PlaceReservationHoldRequest::getAmountNanoUsd);
    }

    /** The authorized party ({@code azp}) of each call's token, in order. */
    public synchronized List<String> callers() {
        return List.copyOf(callers);
    }

    private synchronized PlaceReservationHoldResponse place(PlaceReservationHoldRequest request) {
        UUID id = UUID.fromString(request.getBuyOrderId());
        PlaceReservationHoldRequest existing = holds.get(id);
        if (existing == null) {
            String subject = request.getBuyerKeycloakSubject();
            if (balances.containsKey(subject)) {
                long held = counted.entrySet().stream()
                        .filter(hold -> holds.get(hold.getKey()).getBuyerKeycloakSubject().equals(subject))
                        .mapToLong(Map.Entry::getValue).sum();
                long available = Math.max(0, balances.get(subject) - held);
                if (available < request.getAmountNanoUsd()) {
                    return PlaceReservationHoldResponse.newBuilder().setInsufficientFunds(InsufficientFunds
                            .newBuilder().setRequiredNanoUsd(request.getAmountNanoUsd())
                            .setAvailableNanoUsd(available).setMeter("reservation.gpu_seconds")).build();
                }
                counted.put(id, request.getAmountNanoUsd());
            }
            holds.put(id, request);
            existing = request;
        }
        return PlaceReservationHoldResponse.newBuilder().setHold(ReservationHold.newBuilder()
                .setBuyOrderId(id.toString()).setAmountNanoUsd(existing.getAmountNanoUsd())).build();
    }

    private synchronized boolean release(ReleaseReservationHoldRequest request) {
        UUID id = UUID.fromString(request.getBuyOrderId());
        counted.remove(id);
        return holds.remove(id) != null;
    }

    /** Answers UNAVAILABLE while down; records the caller otherwise. */
    private synchronized boolean answering() {
        callers.add(CALLER.get());
        return !down;
    }

    private final class Holds extends ReservationHoldServiceGrpc.ReservationHoldServiceImplBase {

        @Override
        public void placeReservationHold(PlaceReservationHoldRequest request,
                StreamObserver<PlaceReservationHoldResponse> answer) {
            if (!answering()) {
                answer.onError(Status.UNAVAILABLE.withDescription("billing is down").asRuntimeException());
                return;
            }
            answer.onNext(place(request));
            answer.onCompleted();
        }

        @Override
        public void releaseReservationHold(ReleaseReservationHoldRequest request,
                StreamObserver<ReleaseReservationHoldResponse> answer) {
            if (!answering()) {
                answer.onError(Status.UNAVAILABLE.withDescription("billing is down").asRuntimeException());
                return;
            }
            answer.onNext(ReleaseReservationHoldResponse.newBuilder().setReleased(release(request)).build());
            answer.onCompleted();
        }
    }

    /** The {@code azp} claim of a bearer token (read, not verified: billing-svc verifies it). */
    private static Optional<String> authorizedParty(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return Optional.empty();
        }
        try {
            String[] parts = authorization.substring("Bearer ".length()).split("\\.");
            return Optional.ofNullable(JSON.readTree(Base64.getUrlDecoder().decode(parts[1])).get("azp"))
                    .map(node -> node.asText());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
