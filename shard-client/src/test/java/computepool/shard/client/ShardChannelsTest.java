package computepool.shard.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ShardChannelsTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-02T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    };

    @Test
    void oneChannelPerAddressAndTheLeastRecentlyUsedMakesRoom() {
        try (ShardChannels channels = new ShardChannels(2, Duration.ofMinutes(5), ShardChannels.KEEPALIVE_TIMEOUT, clock)) {
            ManagedChannel a = channels.get("127.0.0.1:1");
            ManagedChannel b = channels.get("127.0.0.1:2");
            assertSame(a, channels.get("127.0.0.1:1"), "an address reuses its channel");
            ManagedChannel c = channels.get("127.0.0.1:3");
            assertEquals(2, channels.open());
            assertTrue(b.isShutdown(), "the least recently used channel was closed for the third address");
            assertFalse(a.isShutdown());
            assertFalse(c.isShutdown());
        }
    }

    @Test
    void aChannelUnusedForTheIdleTimeIsClosed() {
        try (ShardChannels channels = new ShardChannels(64, Duration.ofMinutes(5), ShardChannels.KEEPALIVE_TIMEOUT, clock)) {
            ManagedChannel old = channels.get("127.0.0.1:1");
            now.set(now.get().plus(Duration.ofMinutes(4)));
            ManagedChannel recent = channels.get("127.0.0.1:2");
            now.set(now.get().plus(Duration.ofMinutes(2)));
            ManagedChannel fresh = channels.get("127.0.0.1:3");
            assertTrue(old.isShutdown(), "unused for 6 minutes");
            assertFalse(recent.isShutdown(), "unused for 2 minutes");
            assertFalse(fresh.isShutdown());
            assertEquals(2, channels.open());
        }
    }
}
