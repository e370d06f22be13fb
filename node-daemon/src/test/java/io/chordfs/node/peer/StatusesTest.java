package io.chordfs.node.peer;

import io.chordfs.node.store.BadNameException;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A status passes through any number of nodes unchanged: failure(code) maps back to code. */
class StatusesTest {
    @Test
    void everyStatusAPeerSendsBecomesAFailureThatMapsBackToIt() {
        for (int code : new int[] {409, 413, 422, 503, 507}) {
            IOException e = Statuses.failure(code, "why");
            assertEquals(code, Statuses.of(e), e.getClass().getSimpleName());
            assertEquals("why", e.getMessage());
        }
    }

    @Test
    void theClientsMistakesAre400AndTheRestIs500() {
        assertEquals(400, Statuses.of(new BadNameException("bad")));
        assertEquals(400, Statuses.of(new IllegalArgumentException("bad")));
        assertEquals(502, Statuses.of(new ForwardRefusedException("changed on the way", null)));
        assertEquals(500, Statuses.of(Statuses.failure(418, "teapot")));
        assertEquals(500, Statuses.of(new IllegalStateException("bug")));
    }
}
