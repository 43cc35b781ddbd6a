package computepool.journeys;

import static computepool.journeys.InternalCallers.anonymous;
import static computepool.journeys.InternalCallers.bearing;
import static computepool.journeys.InternalCallers.presenting;
import static computepool.journeys.InternalCallers.refused;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import computepool.billing.v1.HoldServiceGrpc;
import computepool.billing.v1.PlaceHoldRequest;
import computepool.billing.v1.QuoteRequest;
import computepool.billing.v1.ReleaseHoldRequest;
import computepool.billing.v1.SettleHoldRequest;
import computepool.chain.contracts.ComputePoolUsd;
import computepool.identity.v1.ApiKeyServiceGrpc;
import computepool.identity.v1.VerifyKeyRequest;
import computepool.localstack.KafkaLauncher;
import computepool.localstack.KafkaLogin;
import computepool.localstack.KafkaTopics;
import computepool.localstack.KeycloakTokens;
import computepool.localstack.LocalStackEnv;
import computepool.localstack.RedisLauncher;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.client.TicketSigner;
import computepool.shard.v1.CancelSessionRequest;
import computepool.shard.v1.Hop;
import computepool.shard.v1.OpenSession;
import computepool.shard.v1.SamplingParams;
import computepool.shard.v1.SessionTicket;
import computepool.shard.v1.ShardServiceGrpc;
import computepool.shard.v1.SignedTicket;
import computepool.shard.v1.StreamSessionRequest;
import computepool.usage.v1.InferenceUsage;
import computepool.usage.v1.WorkerShare;
import computepool.workers.v1.FindPipelineRequest;
import computepool.workers.v1.ListWorkersRequest;
import computepool.workers.v1.WorkerAgentGrpc;
import computepool.workers.v1.WorkerAnnouncement;
import computepool.workers.v1.WorkerCapacity;
import computepool.workers.v1.WorkerRegistryGrpc;
import io.grpc.Status;
import io.restassured.http.ContentType;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * The platform as outsiders and operators attack it: every service and two shard workers as processes, called as an
 * outsider without credentials and as an operator with a valid node credential and login of its own. Each attack is
 * refused with its status and leaves no hold, charge, ledger transaction, worker session or chain transaction; the
 * same call with the right credentials then succeeds, so each refusal is the credentials', not the call's.
 */
class HostileCallersIT {

    private static final String CHAT = "/v1/chat/completions";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SamplingParams GREEDY = SamplingParams.newBuilder().setGreedy(true).build();
    private static final int[] PROMPT = {1, 2, 3};

    private static JourneyStack stack;
    private static InferencePlatform platform;
    private static ServiceProcess payment;
    private static Web3j web3j;
    private static String operatorToken;
    private static OperatorNodes.Node operatorNode;

    @BeforeAll
    static void startPlatform() throws Exception {
        stack = JourneyStack.fromEnvFile();
        Map<String, String> paymentConfig = stack.paymentConfig("payment_hostile");
        int paymentPort = ServiceProcess.freePorts(1).getFirst();
        platform = InferencePlatform.start(stack, 1, Map.of(
                        "computepool.gateway.x402.routes", CHAT,
                        "computepool.gateway.x402.facilitator-url", "http://127.0.0.1:" + paymentPort + "/"),
                worker -> Map.of(), List.of(new ServiceProcess.Launch("payment-svc", paymentConfig).onPort(paymentPort)));
        payment = platform.besides().getFirst();
        web3j = Web3j.build(new HttpService(stack.env().require(LocalStackEnv.CHAIN_RPC_URL)));
        // The attacking operator runs the second worker: its login and its node's credential are its own and valid.
        operatorToken = stack.operatorToken(1);
        operatorNode = platform.nodes().get(1);
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
        if (web3j != null) {
            web3j.shutdown();
        }
    }

    @Test
    void internalGrpcAnswersOnlyTheServicesTheContractTableNames() throws Exception {
        String developer = subjectOf(stack.developerToken());
        PlaceHoldRequest hold = PlaceHoldRequest.newBuilder().setRequestId("hostile-" + UUID.randomUUID())
                .setKeycloakSubject(developer).setModelId(platform.model()).setPromptTokens(1_000)
                .setMaxCompletionTokens(1_000).build();
        SettleHoldRequest settle = SettleHoldRequest.newBuilder().setHoldId(UUID.randomUUID().toString())
                .setUsage(InferenceUsage.newBuilder().setRequestId(hold.getRequestId()).setKeycloakSubject(developer)
                        .setModelId(platform.model()).setPromptTokens(1_000).setCompletionTokens(1_000)
                        .addWorkerShares(WorkerShare.newBuilder().setOperatorId("mallory").setWorkerId("mallory")))
                .build();
        QuoteRequest quote = QuoteRequest.newBuilder().setModelId(platform.model()).setPromptTokens(10)
                .setMaxCompletionTokens(10).build();
        FindPipelineRequest pipeline = FindPipelineRequest.newBuilder().setModelId(platform.model()).build();
        ListWorkersRequest workers = ListWorkersRequest.newBuilder().setModelId(platform.model()).build();
        VerifyKeyRequest key = VerifyKeyRequest.newBuilder().setSecret("cp_" + "a".repeat(40)).build();
        String node = "Node " + operatorNode.credential();
        Books before = Books.now();

        try (InternalCallers billing = new InternalCallers(platform.billing().grpcPort());
                InternalCallers market = new InternalCallers(platform.market().grpcPort());
                InternalCallers identity = new InternalCallers(platform.identity().grpcPort())) {
            HoldServiceGrpc.HoldServiceBlockingStub holds = HoldServiceGrpc.newBlockingStub(billing.channel());
            WorkerRegistryGrpc.WorkerRegistryBlockingStub registry = WorkerRegistryGrpc.newBlockingStub(market.channel());
            ApiKeyServiceGrpc.ApiKeyServiceBlockingStub keys = ApiKeyServiceGrpc.newBlockingStub(identity.channel());
            for (Caller caller : List.of(new Caller("an outsider", null, Status.Code.UNAUTHENTICATED),
                    new Caller("an operator's login", "Bearer " + operatorToken, Status.Code.PERMISSION_DENIED),
                    new Caller("a node credential", node, Status.Code.UNAUTHENTICATED))) {
                refused(caller.expected(), caller.who() + " placing a hold", () -> caller.on(holds).placeHold(hold));
                refused(caller.expected(), caller.who() + " settling a hold", () -> caller.on(holds).settleHold(settle));
                refused(caller.expected(), caller.who() + " quoting", () -> caller.on(holds).quote(quote));
                refused(caller.expected(), caller.who() + " verifying a key", () -> caller.on(keys).verifyKey(key));
                // market-svc knows node credentials (its WorkerAgent takes them), and gives them no registry.
                Status.Code onMarket = node.equals(caller.authorization()) ? Status.Code.PERMISSION_DENIED : caller.expected();
                refused(onMarket, caller.who() + " finding a pipeline", () -> caller.on(registry).findPipeline(pipeline));
                refused(onMarket, caller.who() + " listing workers", () -> caller.on(registry).listWorkers(workers));
            }
            assertEquals(before, Books.now(), "a refused call left a trace in billing or on chain");

            String gateway = KeycloakTokens.forService(stack.env(), "gateway-svc").clientCredentialsGrant();
            assertTrue(bearing(holds, gateway).quote(quote).getMaxCostNanoUsd() > 0);
            assertEquals(2, bearing(registry, gateway).findPipeline(pipeline).getStagesCount());
            assertEquals(2, bearing(registry, gateway).listWorkers(workers).getWorkersCount());
            assertFalse(bearing(keys, gateway).verifyKey(key).getValid());
            String held = bearing(holds, gateway).placeHold(hold).getHold().getHoldId();
            bearing(holds, gateway).releaseHold(ReleaseHoldRequest.newBuilder().setHoldId(held).build());
        }
    }

    @Test
    void shardWorkersServeOnlySessionsWhoseTicketTheGatewaySigned() throws Exception {
        List<Hop> hops = platform.workers().hops();
        Hop entry = hops.getFirst();
        TicketSigner gateway = stack.ticketSigner();
        TicketSigner forger = new TicketSigner(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate(),
                "gateway-svc", Clock.systemUTC());
        String session = "hostile-" + UUID.randomUUID();
        SignedTicket genuine = gateway.sign(session, "", platform.model(), 30, hops, 4, PROMPT.length);
        SessionTicket plusOneHop = SessionTicket.parseFrom(genuine.getTicket()).toBuilder()
                .addHops(Hop.newBuilder().setWorkerId("mallory").setAddress("127.0.0.1:1").setLayerStart(30)
                        .setLayerEnd(30))
                .build();
        SignedTicket altered = genuine.toBuilder().setTicket(plusOneHop.toByteString()).build();

        try (ShardChannels channels = new ShardChannels()) {
            assertEquals(Status.Code.UNAUTHENTICATED, open(channels, entry, hops, session, null).getCode());
            assertEquals(Status.Code.PERMISSION_DENIED, open(channels, entry, hops, session,
                    forger.sign(session, "", platform.model(), 30, hops, 4, PROMPT.length)).getCode());
            assertEquals(Status.Code.PERMISSION_DENIED, open(channels, entry, hops, session, altered).getCode());
            for (ServiceProcess worker : platform.workers().workers()) {
                assertEquals(0, ShardPipeline.activeSessions(worker), "a refused session holds a KV cache");
            }

            // Another's session, running: cancelling it takes its ticket.
            PipelineClient client = new PipelineClient(channels, gateway);
            CompletableFuture<PipelineClient.Result> running = new CompletableFuture<>();
            PipelineClient.Generation generation = client.start(new PipelineClient.Request("hostile-" + UUID.randomUUID(),
                    platform.model(), 30, hops, PROMPT, 400, GREEDY), listener(running));
            String theirs = generation.sessionId();
            ShardServiceGrpc.ShardServiceBlockingStub shard = ShardServiceGrpc.newBlockingStub(channels.get(entry.getAddress()));
            refused(Status.Code.UNAUTHENTICATED, "cancelling without a ticket", () -> anonymous(shard)
                    .cancelSession(CancelSessionRequest.newBuilder().setSessionId(theirs).build()));
            refused(Status.Code.PERMISSION_DENIED, "cancelling with a forged ticket", () -> anonymous(shard)
                    .cancelSession(CancelSessionRequest.newBuilder().setSessionId(theirs)
                            .setTicket(forger.sign(theirs, "", platform.model(), 30, hops, 400, PROMPT.length)).build()));
            refused(Status.Code.PERMISSION_DENIED, "cancelling with another session's ticket", () -> anonymous(shard)
                    .cancelSession(CancelSessionRequest.newBuilder().setSessionId(theirs).setTicket(genuine).build()));
            assertFalse(running.isDone(), "a refused cancel stopped the session");
            assertTrue(anonymous(shard).cancelSession(CancelSessionRequest.newBuilder().setSessionId(theirs)
                    .setTicket(gateway.sign(theirs, "", platform.model(), 30, hops, 400, PROMPT.length)).build())
                    .getFound(), "the session's own ticket cancels it");

            // The genuine ticket itself opens its session.
            PipelineClient.Result served = client.generate(new PipelineClient.Request("hostile-" + UUID.randomUUID(),
                    platform.model(), 30, hops, PROMPT, 4, GREEDY), 60, TimeUnit.SECONDS);
            assertEquals(4, served.tokens().size());
        }
    }

    @Test
    void kafkaAndRedisTakeNoOneWithoutTheirOwnCredentials() throws Exception {
        LocalStackEnv env = stack.env();
        Map<String, Object> anonymous = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafkaBootstrapServers());
        assertFalse(KafkaTopics.canLogIn(anonymous), "the broker took a client without a login");
        for (String topic : List.of("usage", "billing", "workers")) {
            Map<String, Object> guessed = new HashMap<>(new KafkaLogin("gateway-svc", "guessed")
                    .clientConfig(env.kafkaBootstrapServers()));
            guessed.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(guessed, new StringSerializer(),
                    new StringSerializer())) {
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>(topic, "mallory", "{}")).get());
                assertInstanceOf(SaslAuthenticationException.class, failed.getCause(), topic);
            }
        }
        assertTrue(KafkaTopics.canLogIn(new KafkaLogin("gateway-svc",
                env.require(KafkaLauncher.passwordKey("gateway-svc"))).clientConfig(env.kafkaBootstrapServers())));

        String hostPort = env.redisUrl().substring("redis://".length());
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        String counter = "ratelimit:" + UUID.randomUUID() + ":requests";
        List<String> stranger = RedisLauncher.send(host, port, List.of(List.of("SET", counter, "0")));
        assertTrue(stranger.getFirst().startsWith("-NOAUTH"), stranger.toString());
        List<String> asGateway = RedisLauncher.send(host, port, List.of(
                List.of("AUTH", "gateway-svc", env.require(LocalStackEnv.redisPasswordKey("gateway-svc"))),
                List.of("GET", counter)));
        assertEquals("$-1", asGateway.get(1), "the stranger's write landed: " + asGateway);
    }

    @Test
    void anOperatorCannotAnnounceAWorkerOnAnotherOperatorsNode() throws Exception {
        OperatorNodes.Node theirs = platform.nodes().get(0);
        WorkerAnnouncement onTheirNode = WorkerAnnouncement.newBuilder().setWorkerId("mallory-" + UUID.randomUUID())
                .setModelId(platform.model()).setLayerStart(0).setLayerEnd(15).setTotalLayers(30)
                .setAddress("127.0.0.1:1").setOperatorId(theirs.operatorId()).setNodeId(theirs.id())
                .setCapacity(WorkerCapacity.newBuilder().setMaxSessions(4).setMaxTokens(2_048)).build();
        try (InternalCallers market = new InternalCallers(platform.market().grpcPort())) {
            WorkerAgentGrpc.WorkerAgentBlockingStub agent = WorkerAgentGrpc.newBlockingStub(market.channel());
            refused(Status.Code.UNAUTHENTICATED, "announcing without a credential",
                    () -> anonymous(agent).announce(onTheirNode));
            refused(Status.Code.PERMISSION_DENIED, "announcing on another operator's node", () -> presenting(agent,
                    "Node " + operatorNode.credential()).announce(onTheirNode));
            refused(Status.Code.PERMISSION_DENIED, "announcing on its own node as the other operator", () ->
                    presenting(agent, "Node " + operatorNode.credential()).announce(onTheirNode.toBuilder()
                            .setNodeId(operatorNode.id()).build()));

            String gateway = KeycloakTokens.forService(stack.env(), "gateway-svc").clientCredentialsGrant();
            List<String> listed = bearing(WorkerRegistryGrpc.newBlockingStub(market.channel()), gateway)
                    .listWorkers(ListWorkersRequest.newBuilder().setModelId(platform.model()).build())
                    .getWorkersList().stream().map(status -> status.getAnnouncement().getWorkerId()).toList();
            assertEquals(platform.workers().hops().stream().map(Hop::getWorkerId).sorted().toList(),
                    listed.stream().sorted().toList(), "only the operators' own workers are in the registry");
        }
    }

    @Test
    void onlyTheGatewayHasAVoucherSettled() throws Exception {
        HttpResponse<String> challenge = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        platform.gateway().uri(CHAT)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model": "%s", "max_tokens": 4, "messages": [{"role": "user", "content": "Hi"}]}"""
                        .formatted(platform.model()))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(402, challenge.statusCode(), challenge.body());
        JsonNode requirements = JSON.readTree(challenge.body()).get("accepts").get(0);
        X402Wallet agent = funded(new BigInteger(requirements.get("maxAmountRequired").asText()));
        long chainId = Long.parseLong(stack.env().require(LocalStackEnv.CHAIN_ID));
        ObjectNode settle = JSON.createObjectNode().put("x402Version", 1);
        settle.set("paymentPayload", JSON.readTree(Base64.getDecoder().decode(agent.pay(requirements, chainId))));
        settle.set("paymentRequirements", requirements);
        Books before = Books.now();
        BigInteger balance = balanceOf(agent.address());

        given().contentType(ContentType.JSON).body(settle.toString()).when().post(payment.uri("/settle"))
                .then().statusCode(401);
        given().auth().oauth2(operatorToken).contentType(ContentType.JSON).body(settle.toString())
                .when().post(payment.uri("/settle")).then().statusCode(403);
        assertEquals(before, Books.now());
        assertEquals(balance, balanceOf(agent.address()), "a refused settlement moved the agent's money");

        String gateway = KeycloakTokens.forService(stack.env(), "gateway-svc").clientCredentialsGrant();
        given().auth().oauth2(gateway).contentType(ContentType.JSON).body(settle.toString())
                .when().post(payment.uri("/settle")).then().statusCode(200)
                .body("success", org.hamcrest.Matchers.equalTo(true));
        assertEquals(balance.subtract(new BigInteger(requirements.get("maxAmountRequired").asText())),
                balanceOf(agent.address()));
    }

    /** A caller of internal gRPC: its {@code authorization} header (none for null) and the refusal it must get. */
    private record Caller(String who, String authorization, Status.Code expected) {

        <S extends io.grpc.stub.AbstractStub<S>> S on(S stub) {
            return authorization == null ? anonymous(stub) : presenting(stub, authorization);
        }
    }

    /**
     * What an attack could have left behind: this run's holds and charges (of its model), postings on the accounts of
     * its developer, its operators and the operator an attacker named, payment-svc's chain actions and the treasury's
     * nonce. Scoped to the run: billing keeps booking earlier runs' usage from the shared topics meanwhile.
     */
    private record Books(long holds, long charges, long postings, long chainActions, BigInteger treasuryNonce) {

        static Books now() throws Exception {
            String model = platform.model();
            try (Connection billing = stack.database("billing"); Connection pay = stack.database("payment_hostile")) {
                return new Books(JourneyStack.count(billing, "select count(*) from hold where model_id = ?", model),
                        JourneyStack.count(billing, "select count(*) from charge where model_id = ?", model),
                        JourneyStack.count(billing, """
                                select count(*) from posting p join account a on a.id = p.account_id
                                where a.subject in (?, ?, ?, ?)""", subjectOf(stack.developerToken()),
                                platform.nodes().get(0).operatorId(), platform.nodes().get(1).operatorId(), "mallory"),
                        JourneyStack.count(pay, "select count(*) from chain_action"),
                        web3j.ethGetTransactionCount(stack.env().require(LocalStackEnv.CHAIN_TREASURY_ADDRESS),
                                DefaultBlockParameterName.PENDING).send().getTransactionCount());
            }
        }
    }

    private static Status open(ShardChannels channels, Hop entry, List<Hop> hops, String session, SignedTicket ticket)
            throws Exception {
        OpenSession.Builder open = OpenSession.newBuilder().setSessionId(session).setModelId(platform.model())
                .setLayerStart(entry.getLayerStart()).setLayerEnd(entry.getLayerEnd()).setTotalLayers(30)
                .addAllDownstream(hops.subList(1, hops.size())).setPromptTokens(PROMPT.length).setMaxTokens(4)
                .setSampling(GREEDY);
        if (ticket != null) {
            open.setTicket(ticket);
        }
        return RawSession.run(channels, entry.getAddress(), List.of(StreamSessionRequest.newBuilder().setOpen(open).build()));
    }

    private static PipelineClient.Listener listener(CompletableFuture<PipelineClient.Result> done) {
        return new PipelineClient.Listener() {
            @Override
            public void token(computepool.shard.v1.GeneratedToken token) {
            }

            @Override
            public void finished(computepool.shard.v1.SessionSummary summary) {
                done.complete(new PipelineClient.Result(List.of(), summary));
            }

            @Override
            public void failed(Status status) {
                done.completeExceptionally(status.asRuntimeException());
            }
        };
    }

    /** A new agent wallet holding ten times {@code price} of the token, sent by the treasury. */
    private static X402Wallet funded(BigInteger price) throws Exception {
        X402Wallet agent = X402Wallet.create();
        String action = given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .header("Idempotency-Key", "fund-" + UUID.randomUUID())
                .body("{\"to\": \"%s\", \"amount\": %s}".formatted(agent.address(), price.multiply(BigInteger.TEN)))
                .when().post(payment.uri("/v1/admin/chain/transfers"))
                .then().statusCode(202).extract().path("id");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> "CONFIRMED".equals(given().auth().oauth2(stack.adminToken())
                        .when().get(payment.uri("/v1/admin/chain/actions/" + action))
                        .then().statusCode(200).extract().path("state")));
        return agent;
    }

    private static BigInteger balanceOf(String holder) throws Exception {
        LocalStackEnv env = stack.env();
        return ComputePoolUsd.load(env.require(LocalStackEnv.CHAIN_TOKEN_ADDRESS), web3j,
                new ReadonlyTransactionManager(web3j, holder), new DefaultGasProvider()).balanceOf(holder).send();
    }

    private static String subjectOf(String token) throws Exception {
        String payload = token.split("\\.")[1];
        return JSON.readTree(Base64.getUrlDecoder().decode(payload)).get("sub").asText();
    }
}
