package computepool.billing.bench;

import computepool.billing.api.HoldGrpcService;
import computepool.billing.config.BillingConfig;
import computepool.billing.holds.HoldBook;
import computepool.billing.holds.LeaseBook;
import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.QuoteResponse;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.quarkus.grpc.GrpcService;
import io.quarkus.hibernate.reactive.panache.Panache;

/**
 * {@code HoldService.Quote} as every internal call was before service tokens: the same method body
 * ({@link HoldGrpcService#quote}, in the same session), served on the same internal port under a service name of its
 * own and asking for no token. The baseline of {@link ServiceTokenBenchmarkTest}; it lives in the test sources only,
 * so no service's jar ever serves it.
 */
@GrpcService
public class UnguardedQuote implements BindableService {

    static final String SERVICE = "computepool.bench.UnguardedHoldService";
    static final MethodDescriptor<QuoteRequest, QuoteResponse> QUOTE = HoldServiceGrpc.getQuoteMethod().toBuilder()
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Quote"))
            .build();

    /** Made here rather than injected: the bean's security interceptor is exactly what the baseline goes without. */
    private final HoldGrpcService unguarded;

    public UnguardedQuote(HoldBook book, LeaseBook leases, BillingConfig config) {
        this.unguarded = new HoldGrpcService(book, leases, config);
    }

    @Override
    public ServerServiceDefinition bindService() {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(QUOTE, ServerCalls.asyncUnaryCall((request, answer) -> Panache
                        .withSession(() -> unguarded.quote(request))
                        .subscribe().with(quote -> {
                            answer.onNext(quote);
                            answer.onCompleted();
                        }, answer::onError)))
                .build();
    }
}
