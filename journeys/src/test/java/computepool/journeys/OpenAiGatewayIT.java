package computepool.journeys;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import computepool.gguf.GgufFile;
import computepool.gguf.GgufMetadata;
import computepool.gguf.tokenizer.ChatTemplate;
import computepool.gguf.tokenizer.Tokenizer;
import computepool.shard.client.PipelineClient;
import computepool.shard.client.ShardChannels;
import computepool.shard.v1.FinishReason;
import computepool.shard.v1.Hop;
import computepool.shard.v1.SamplingParams;
import io.restassured.http.ContentType;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI-compatible API end to end: identity-svc issues an API key, two shard-worker processes announce layers
 * 0-15 and 15-30 to market-svc over Kafka, and the official OpenAI Java SDK, unchanged, talks to gateway-svc. Every
 * answer is compared with what the same workers generate for the same prompt without the gateway.
 */
class OpenAiGatewayIT {

    private static final String QUESTION = "What is the capital of France? Answer in one sentence.";
    private static final int MAX_TOKENS = 24;

    private static JourneyStack stack;
    private static InferencePlatform platform;
    private static ServiceProcess identity;
    private static ShardPipeline workers;
    private static ServiceProcess gateway;
    /** A second gateway process on the same Redis, for limits that must hold across replicas. */
    private static ServiceProcess otherGateway;
    private static ShardChannels channels;
    private static String model;
    private static String apiKey;
    private static String apiKeyId;
    private static OpenAIClient client;
    private static Tokenizer tokenizer;
    private static ChatTemplate template;

    @BeforeAll
    static void startPlatform() throws Exception {
        stack = JourneyStack.fromEnvFile();
        // Leases released soon after their last request, so a test that changes the developer's funds starts clean.
        platform = InferencePlatform.start(stack, 2, Map.of("computepool.gateway.funds-leases.idle", "1s"));
        model = platform.model();
        identity = platform.identity();
        workers = platform.workers();
        gateway = platform.gateways().get(0);
        otherGateway = platform.gateways().get(1);
        GgufMetadata metadata = GgufFile.open(platform.gguf()).metadata();
        tokenizer = Tokenizer.fromGguf(metadata);
        template = ChatTemplate.fromGguf(metadata, tokenizer);

        var created = given().auth().oauth2(stack.developerToken()).contentType(ContentType.JSON)
                .body("{\"name\": \"journey\"}")
                .when().post(identity.uri("/v1/api-keys"))
                .then().statusCode(201).extract().jsonPath();
        apiKey = created.getString("secret");
        apiKeyId = created.getString("id");
        client = client(apiKey);
        channels = new ShardChannels();
        await().atMost(JourneyStack.CATCH_UP).pollInterval(Duration.ofMillis(250))
                .until(() -> client.models().list().data().stream().map(Model::id).toList().contains(model));
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (channels != null) {
            channels.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    private static OpenAIClient client(String key) {
        return client(gateway, key);
    }

    private static OpenAIClient client(ServiceProcess via, String key) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(via.uri("/v1").toString())
                .apiKey(key)
                .maxRetries(0)
                .responseValidation(true)
                .build();
    }

    /** What the workers generate greedily for the prompt, asked directly: the answer the gateway must give. */
    private static String greedyDirect(int[] prompt, int maxTokens) throws Exception {
        List<Hop> hops = workers.hops();
        PipelineClient.Request request = new PipelineClient.Request("direct-" + System.nanoTime(), model,
                ShardPipeline.LAYERS, hops, prompt, maxTokens, SamplingParams.newBuilder().setGreedy(true).build());
        return new PipelineClient(channels, stack.ticketSigner()).generate(request, 60, TimeUnit.SECONDS).text();
    }

    private static int[] chatPrompt(String question) {
        return tokenizer.encode(template.render(List.of(new ChatTemplate.Message("user", question)), true));
    }

    private static ChatCompletionCreateParams.Builder question() {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(QUESTION)
                .temperature(0.0)
                .maxCompletionTokens(MAX_TOKENS);
    }

    @Test
    void theSdkNonStreamingGetsTheEnginesGreedyAnswer() throws Exception {
        String expected = greedyDirect(chatPrompt(QUESTION), MAX_TOKENS);
        assertFalse(expected.isBlank());

        ChatCompletion completion = client.chat().completions().create(question().build());
        assertEquals(expected, completion.choices().get(0).message().content().orElseThrow());
        assertEquals(model, completion.model());
        assertTrue(completion.id().startsWith("chatcmpl-"), completion.id());
        var usage = completion.usage().orElseThrow();
        assertEquals(chatPrompt(QUESTION).length, usage.promptTokens());
        assertTrue(usage.completionTokens() > 0 && usage.completionTokens() <= MAX_TOKENS);
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
    }

    @Test
    void theSdkStreamingGetsTheSameTextAndTheUsageLast() throws Exception {
        String expected = greedyDirect(chatPrompt(QUESTION), MAX_TOKENS);
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(question()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
            });
        }
        assertEquals(expected, text.toString());
        assertTrue(chunks.size() >= 3, "a role chunk, text chunks, a finish chunk and the usage");
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role().orElseThrow().asString());
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(chatPrompt(QUESTION).length, last.usage().orElseThrow().promptTokens());
        ChatCompletionChunk finish = chunks.get(chunks.size() - 2);
        assertTrue(finish.choices().get(0).finishReason().isPresent());
        assertEquals(1, chunks.stream().map(ChatCompletionChunk::id).distinct().count());
    }

    @Test
    void aTextCompletionContinuesTheRawPrompt() throws Exception {
        String prompt = "The three primary colors are";
        String expected = greedyDirect(tokenizer.encode(prompt), 12);
        Completion completion = client.completions().create(CompletionCreateParams.builder()
                .model(model).prompt(prompt).temperature(0.0).maxTokens(12L).build());
        assertEquals(expected, completion.choices().get(0).text());
        assertEquals(12, completion.usage().orElseThrow().completionTokens());
    }

    @Test
    void theSseStreamIsInOpenAisExactFormat() throws Exception {
        HttpRequest request = chatRequest(gateway, apiKey, """
                        {"model": "%s", "messages": [{"role": "user", "content": "Hi"}], "temperature": 0,
                         "max_tokens": 3, "stream": true}""".formatted(model));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
            String body = response.body();
            assertTrue(body.endsWith("data: [DONE]\n\n"), body);
            for (String event : body.split("\n\n")) {
                assertTrue(event.startsWith("data: "), "every event is one data line: " + event);
                assertFalse(event.contains("\n"), event);
            }
            assertTrue(body.contains("\"finish_reason\":\"length\""), body);
        }
    }

    @Test
    void errorsHaveOpenAisStatusesAndShape() {
        UnauthorizedException badKey = assertThrows(UnauthorizedException.class,
                () -> client("cp_" + "x".repeat(40)).chat().completions().create(question().build()));
        assertEquals("invalid_api_key", badKey.code().orElseThrow());

        NotFoundException unknownModel = assertThrows(NotFoundException.class,
                () -> client.chat().completions().create(question().model("no-such-model").build()));
        assertEquals("model_not_found", unknownModel.code().orElseThrow());

        BadRequestException badParameter = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(question().temperature(3.0).build()));
        assertEquals("temperature", badParameter.param().orElseThrow());

        BadRequestException tooLong = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(question().maxCompletionTokens(100_000).build()));
        assertEquals("context_length_exceeded", tooLong.code().orElseThrow());
    }

    @Test
    void aKeycloakAccessTokenWorksToo() throws Exception {
        String expected = greedyDirect(chatPrompt(QUESTION), MAX_TOKENS);
        ChatCompletion completion = client(stack.developerToken()).chat().completions().create(question().build());
        assertEquals(expected, completion.choices().get(0).message().content().orElseThrow());
    }

    @Test
    void aDisconnectedClientsSessionIsCancelledOnEveryShard() throws Exception {
        HttpRequest request = chatRequest(gateway, apiKey, """
                        {"model": "%s", "messages": [{"role": "user", "content": "Count from 1 to 500, one number per line."}],
                         "temperature": 0, "max_tokens": 3000, "stream": true}""".formatted(model));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                assertEquals(200, response.statusCode());
                assertTrue(body.read(new byte[64]) > 0);
                for (ServiceProcess worker : workers.workers()) {
                    assertEquals(1, ShardPipeline.activeSessions(worker), "the session runs on every shard");
                }
            }
        }
        // Closing the client ends the connection; every shard frees the session well before 3000 tokens.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (ServiceProcess worker : workers.workers()) {
                if (ShardPipeline.activeSessions(worker) != 0) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void aRevokedKeyStopsWorkingWithinFiveSeconds() throws Exception {
        var created = given().auth().oauth2(stack.developerToken()).contentType(ContentType.JSON)
                .body("{\"name\": \"to revoke\"}")
                .when().post(identity.uri("/v1/api-keys"))
                .then().statusCode(201).extract().jsonPath();
        OpenAIClient doomed = client(created.getString("secret"));
        assertNotNull(doomed.models().list().data());
        given().auth().oauth2(stack.developerToken())
                .when().delete(identity.uri("/v1/api-keys/" + created.getString("id")))
                .then().statusCode(200);
        long revoked = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    try {
                        doomed.models().list();
                        return false;
                    } catch (UnauthorizedException e) {
                        return true;
                    }
                });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - revoked);
        assertTrue(millis < 5000, "revoked key worked for " + millis + " ms");
        assertEquals(apiKeyId, given().auth().oauth2(stack.developerToken())
                .when().get(identity.uri("/v1/api-keys/" + apiKeyId))
                .then().statusCode(200).extract().path("id"));
    }

    @Test
    void theRateLimitIsSharedByTwoGatewayProcesses() throws Exception {
        platform.setRateLimits(stack, 3, 1_000_000);
        try {
            // A key verified only after the change carries the new limits from its first request on.
            String key = platform.newApiKey(stack, "limited");
            awaitFreshMinute();
            ChatCompletionCreateParams tiny = question().maxCompletionTokens(1).build();
            client(gateway, key).chat().completions().create(tiny);
            client(otherGateway, key).chat().completions().create(tiny);
            client(gateway, key).chat().completions().create(tiny);

            HttpResponse<String> refused = rawChat(otherGateway, key, 1, false);
            assertEquals(429, refused.statusCode(), refused.body());
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertTrue(refused.body().contains("\"code\":\"rate_limit_exceeded\""), refused.body());
            assertTrue(refused.body().contains("limit 3, used 3"), refused.body());
            assertThrows(RateLimitException.class,
                    () -> client(gateway, key).chat().completions().create(tiny));
        } finally {
            platform.resetRateLimits(stack);
        }
    }

    /** Limits count calendar minutes: start where the rest of the minute surely holds the test. */
    private static void awaitFreshMinute() throws InterruptedException {
        long secondOfMinute = Instant.now().getEpochSecond() % 60;
        if (secondOfMinute > 40) {
            Thread.sleep((61 - secondOfMinute) * 1000);
        }
    }

    private static HttpResponse<String> rawChat(ServiceProcess via, String key, int maxTokens, boolean stream)
            throws Exception {
        HttpRequest request = chatRequest(via, key, """
                        {"model": "%s", "messages": [{"role": "user", "content": "%s"}], "temperature": 0,
                         "max_tokens": %d, "stream": %b}""".formatted(model, QUESTION, maxTokens, stream));
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private static HttpRequest chatRequest(ServiceProcess via, String key, String body) {
        return HttpRequest.newBuilder(via.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    @Test
    void eachRequestPublishesExactlyOneUsageEventAnAbandonedOneToo() throws Exception {
        HttpResponse<String> served = rawChat(gateway, apiKey, MAX_TOKENS, false);
        assertEquals(200, served.statusCode(), served.body());
        String servedId = requestId(served.body());

        String abandonedId;
        HttpRequest request = chatRequest(gateway, apiKey, """
                        {"model": "%s", "messages": [{"role": "user", "content": "Count from 1 to 500."}],
                         "temperature": 0, "max_tokens": 2000, "stream": true}""".formatted(model));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (var lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String line;
                String id = null;
                int contentEvents = 0;
                while (contentEvents < 3 && (line = lines.readLine()) != null) {
                    if (line.startsWith("data: {")) {
                        id = requestId(line.substring("data: ".length()));
                        if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                            contentEvents++;
                        }
                    }
                }
                abandonedId = id;
            }
        }
        assertNotNull(abandonedId);

        String developerId = platform.developerId(stack);
        Map<String, List<UsageTopic.Published>> events = new UsageTopic(stack.env().kafkaAdminConfig())
                .ofRequests(List.of(servedId, abandonedId), Duration.ofSeconds(30), Duration.ofSeconds(3));

        assertEquals(1, events.get(servedId).size(), "one event of the served request: " + events.get(servedId));
        assertEquals(1, events.get(abandonedId).size(), "one event of the abandoned one: " + events.get(abandonedId));
        var usage = events.get(servedId).get(0).usage();
        assertEquals(developerId, usage.getDeveloperId());
        assertEquals(apiKeyId, usage.getApiKeyId());
        assertEquals(model, usage.getModelId());
        assertEquals(chatPrompt(QUESTION).length, usage.getPromptTokens());
        assertTrue(usage.getCompletionTokens() > 0 && usage.getCompletionTokens() <= MAX_TOKENS);
        assertEquals(List.of(15, 15), usage.getWorkerSharesList().stream().map(share -> share.getLayerCount()).toList());
        for (int worker = 0; worker < 2; worker++) {
            // Each share names the node the worker announced itself on and that node's operator, who is paid for it.
            assertEquals(platform.nodes().get(worker).id(), usage.getWorkerShares(worker).getNodeId());
            assertEquals(platform.nodes().get(worker).operatorId(), usage.getWorkerShares(worker).getOperatorId());
        }
        assertTrue(usage.getWorkerSharesList().stream().allMatch(share -> share.getServedMillis() > 0));

        var abandoned = events.get(abandonedId).get(0).usage();
        assertEquals(FinishReason.FINISH_REASON_CANCELLED, abandoned.getFinishReason());
        assertTrue(abandoned.getCompletionTokens() >= 3, "tokens received before the disconnect");
        assertTrue(abandoned.getCompletionTokens() < 2000);
        assertFalse(events.get(servedId).get(0).ceId().equals(events.get(abandonedId).get(0).ceId()));
    }

    @Test
    void aRequestIsChargedItsUsageOnceAndItsHoldSettledBeforeItsUsageEventArrives() throws Exception {
        ChatCompletion completion = client.chat().completions().create(question().maxCompletionTokens(6).build());
        String requestId = completion.id().substring("chatcmpl-".length());
        var usage = completion.usage().orElseThrow();
        long cost = InferencePlatform.cost(usage.promptTokens(), usage.completionTokens());
        assertTrue(cost > 0);

        // Settled by the gateway over gRPC, at the price quoted when the hold was placed.
        await().atMost(Duration.ofSeconds(10)).until(() -> "SETTLED".equals(billingQuery(
                "select state from hold where request_id = ?", requestId)));
        assertEquals(String.valueOf(InferencePlatform.cost(usage.promptTokens(), 6)), billingQuery(
                "select amount_nano_usd from hold where request_id = ?", requestId), "prompt and max_tokens held");
        assertEquals(String.valueOf(cost), billingQuery(
                "select charged_nano_usd from hold where request_id = ?", requestId));
        // Admitted out of the gateway's lease of the developer's funds, which the hold came out of.
        assertEquals("1", billingQuery("""
                select count(*) from hold h join funds_lease l on l.id = h.lease_id
                and l.paid_account_id = h.paid_account_id where h.request_id = ?""", requestId),
                "the hold came out of a lease of the same developer");
        // Held for as long as the session could run, its 10-minute deadline, and a minute to settle: longer than
        // billing's own 10-minute TTL.
        assertEquals("660", billingQuery("select extract(epoch from expires_at - placed_at)::bigint from hold "
                + "where request_id = ?", requestId), "the hold outlives the session's deadline");

        // Then the usage event reaches billing through the gateway's outbox and books nothing more.
        String ceId = new UsageTopic(stack.env().kafkaAdminConfig())
                .ofRequests(List.of(requestId), Duration.ofSeconds(30), Duration.ofSeconds(1))
                .get(requestId).get(0).ceId();
        await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(billingQuery(
                "select count(*) from processed_event where consumer = 'billing-usage' and ce_id = ?::uuid", ceId)));
        assertEquals("1", billingQuery("select count(*) from ledger_transaction where reference = ?", requestId));
        assertEquals(String.valueOf(-cost), billingQuery("""
                select sum(p.amount_nano_usd) from posting p join ledger_transaction t on t.id = p.transaction_id
                join account a on a.id = p.account_id
                where t.reference = ? and a.kind in ('DEVELOPER_PAID', 'DEVELOPER_SUBSIDISED')""", requestId));
    }

    @Test
    void whenTheWalletsCannotCoverTheMaximumCostTheAnswerIs402InsufficientQuota() throws Exception {
        String limits = "/v1/admin/developers/" + platform.developerId(stack) + "/subsidised-credit";
        // The starter credit may no longer pay for inference, and nothing is paid in.
        given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                .body("{\"meters\": [\"sandbox.seconds\"]}").when().put(platform.billing().uri(limits))
                .then().statusCode(200);
        try {
            // The gateways' leases, granted while the credit paid for inference, are released once idle.
            await().atMost(Duration.ofSeconds(15)).until(() -> "0".equals(billingQuery("""
                    select count(*) from funds_lease l join account a on a.id = l.paid_account_id
                    where a.developer_id = ?::uuid and l.released_at is null and l.expires_at > now()""",
                    platform.developerId(stack))));
            String holdsBefore = billingQuery("select count(*) from hold where request_id <> ?", "");
            OpenAIServiceException refused = assertThrows(OpenAIServiceException.class,
                    () -> client.chat().completions().create(question().build()));
            assertEquals(402, refused.statusCode());
            assertEquals("insufficient_quota", refused.code().orElseThrow());
            assertEquals("insufficient_quota", refused.type().orElseThrow());
            assertEquals(holdsBefore, billingQuery("select count(*) from hold where request_id <> ?", ""),
                    "a refused request holds nothing");
        } finally {
            given().auth().oauth2(stack.adminToken()).contentType(ContentType.JSON)
                    .body("{\"meters\": []}").when().put(platform.billing().uri(limits))
                    .then().statusCode(200);
        }
        assertFalse(client.chat().completions().create(question().maxCompletionTokens(2).build()).choices().isEmpty());
    }

    /** One value from billing-svc's database. */
    private static String billingQuery(String sql, String parameter) throws Exception {
        try (Connection db = stack.database("billing"); PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, parameter);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        }
    }

    /** The request id inside {@code chatcmpl-<id>}. */
    private static String requestId(String json) {
        Matcher id = Pattern.compile("\"id\":\"chatcmpl-([0-9a-f]+)\"").matcher(json);
        assertTrue(id.find(), json);
        return id.group(1);
    }
}
