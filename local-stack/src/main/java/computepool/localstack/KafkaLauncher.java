package computepool.localstack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka (broker and controller in one JVM) run from the Maven jars with the same java as
 * this JVM. Its log directory stays in the stack home, so topics and offsets survive a restart; the static
 * voter list lets the controller move to another free port on every start.
 *
 * <p>No connection is anonymous. Clients log in with SCRAM-SHA-512 on the one client listener: the administrator
 * (created when the log directory is formatted, a super user) and one user per service ({@link KafkaAccess}), whose
 * credentials and ACLs are set on every start; KRaft's {@code StandardAuthorizer} denies what no ACL allows. The
 * controller listener takes SASL/PLAIN with a password of its own (KRaft controllers cannot check SCRAM).
 */
public final class KafkaLauncher implements Component {

    public static final String NAME = "kafka";
    public static final String HEAP = "-Xmx1g";

    private static final String LOG4J2 = String.join(System.lineSeparator(),
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = info",
            "rootLogger.appenderRef.out.ref = out",
            "logger.state.name = state.change.logger",
            "logger.state.level = warn",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = warn",
            "");

    private final Artifacts artifacts;
    private final Path javaBinary;
    private final IntSupplier ports;
    private final List<String> topics;
    private final StackSecrets secrets;

    public KafkaLauncher(Artifacts artifacts, Path javaBinary, IntSupplier ports, List<String> topics,
            StackSecrets secrets) {
        this.artifacts = artifacts;
        this.javaBinary = javaBinary;
        this.ports = ports;
        this.topics = List.copyOf(topics);
        this.secrets = secrets;
    }

    /** The env key holding the password of a service's own broker user. */
    public static String passwordKey(String service) {
        return "BROKER_" + KeycloakLauncher.envName(service) + "_PASSWORD";
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningComponent start(StackHome home, Path logs) throws InterruptedException {
        long begin = System.nanoTime();
        Path log = logs.resolve("kafka.log");
        Path dir = home.component(NAME);
        Path data = dir.resolve("data");
        Path formattedWithLogins = dir.resolve("formatted-with-logins");
        int port = ports.getAsInt();
        int controllerPort = ports.getAsInt();
        String classpath = artifacts.kafkaClasspath().stream()
                .map(path -> Artifacts.existing(path, NAME).toString())
                .collect(Collectors.joining(File.pathSeparator));
        Path config = dir.resolve("server.properties");
        Path logging = dir.resolve("log4j2.properties");
        try {
            Files.createDirectories(dir);
            Files.writeString(config, serverProperties(port, controllerPort, data));
            Files.writeString(logging, LOG4J2);
            if (!Files.exists(formattedWithLogins)) {
                // A log directory formatted before the broker had logins has no administrator to let in.
                Installation.deleteRecursively(data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaLogin admin = new KafkaLogin(KafkaLogin.ADMIN, secrets.kafkaAdminPassword());
        if (!Files.exists(data.resolve("meta.properties"))) {
            Commands.run(NAME, List.of(javaBinary.toString(), "-Xmx256m", "-cp", classpath,
                    "-Dlog4j2.configurationFile=" + logging, "kafka.tools.StorageTool", "format",
                    "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString(),
                    "--add-scram", KafkaLogin.MECHANISM + "=[name=" + admin.user() + ",password=" + admin.password()
                            + "]"),
                    Map.of(), dir, log, Duration.ofMinutes(2));
            try {
                Files.writeString(formattedWithLogins, "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ChildProcess process = ChildProcess.start(NAME, List.of(javaBinary.toString(), HEAP, "-Xms256m",
                "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + logging, "-cp", classpath, "kafka.Kafka", config.toString()),
                Map.of(), dir, log);
        String bootstrap = "127.0.0.1:" + port;
        Map<String, String> env = new HashMap<>(Map.of(LocalStackEnv.KAFKA_BOOTSTRAP_SERVERS, bootstrap,
                LocalStackEnv.BROKER_ADMIN_PASSWORD, admin.password()));
        try (KafkaTopics broker = new KafkaTopics(admin.clientConfig(bootstrap))) {
            process.awaitReady(broker::ready, Duration.ofSeconds(120), "TERM");
            broker.create(topics, KafkaTopics.DEFAULT_PARTITIONS);
            for (KafkaAccess access : KafkaAccess.SERVICES) {
                String password = secrets.kafkaServicePasswords().get(access.service());
                broker.grant(access, password);
                env.put(passwordKey(access.service()), password);
            }
            KafkaAccess last = KafkaAccess.SERVICES.getLast();
            // The controller has the users and ACLs; wait until the broker lets the last of them in.
            process.awaitReady(() -> KafkaTopics.canLogIn(new KafkaLogin(last.service(), env.get(
                    passwordKey(last.service()))).clientConfig(bootstrap)), Duration.ofSeconds(30), "TERM");
        }
        return new RunningComponent(NAME, process, bootstrap, "TERM", env,
                Duration.ofNanos(System.nanoTime() - begin));
    }

    private String serverProperties(int port, int controllerPort, Path data) {
        String controllerPassword = secrets.kafkaControllerPassword();
        String adminPassword = secrets.kafkaAdminPassword();
        return String.join(System.lineSeparator(),
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=BROKER://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=BROKER://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=BROKER",
                "listener.security.protocol.map=BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                "sasl.enabled.mechanisms=" + KafkaLogin.MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + KafkaLogin.MECHANISM,
                "listener.name.broker.scram-sha-512.sasl.jaas.config="
                        + new KafkaLogin(KafkaLogin.ADMIN, adminPassword).jaasConfig(),
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config="
                        + "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"controller\" "
                        + "password=\"" + controllerPassword + "\" user_controller=\"" + controllerPassword + "\";",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found=false",
                "super.users=User:" + KafkaLogin.ADMIN + ";User:controller",
                "log.dirs=" + data,
                "num.partitions=" + KafkaTopics.DEFAULT_PARTITIONS,
                "default.replication.factor=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=" + KafkaTopics.DEFAULT_PARTITIONS,
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=" + KafkaTopics.DEFAULT_PARTITIONS,
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // Tests join consumer groups constantly; the default 3 s delay would be paid by each of them.
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                "");
    }
}
