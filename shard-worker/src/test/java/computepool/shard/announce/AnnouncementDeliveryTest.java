package computepool.shard.announce;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnnouncementDeliveryTest {

    @Test
    void aSendTheBrokerRefusedIsMadeAgainUntilOneIsTaken() {
        AnnouncementDelivery delivery = new AnnouncementDelivery();
        assertTrue(delivery.startSend());
        delivery.finished(false);
        assertFalse(delivery.taken());
        assertTrue(delivery.startSend(), "a refused announcement is sent again");
        delivery.finished(true);
        assertTrue(delivery.taken());
        assertFalse(delivery.startSend(), "a taken announcement is not sent again");
    }

    @Test
    void noSecondSendStartsWhileOneAwaitsTheBroker() {
        AnnouncementDelivery delivery = new AnnouncementDelivery();
        assertTrue(delivery.startSend());
        assertFalse(delivery.startSend());
        delivery.finished(false);
        assertTrue(delivery.startSend());
    }
}
