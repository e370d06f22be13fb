package io.chordfs.core.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest {
    @Test
    void unitsAndPlainMilliseconds() throws Exception {
        assertEquals(5_000, Durations.parseMillis("5s"));
        assertEquals(500, Durations.parseMillis("500ms"));
        assertEquals(60_000, Durations.parseMillis("1m"));
        assertEquals(7_200_000, Durations.parseMillis("2h"));
        assertEquals(250, Durations.parseMillis("250"));
        assertEquals(3_000, Durations.parseMillis(" 3 S "));
        assertEquals(0, Durations.parseMillis("0s"));
    }

    @Test
    void badInputIsAUsageError() {
        for (String bad : new String[] {"", "s", "5x", "-1s", "1.5s", "5 sec", "99999999999999999999", "9223372036854775807h"}) {
            Args.UsageException e = assertThrows(Args.UsageException.class, () -> Durations.parseMillis(bad), bad);
            assertTrue(e.getMessage().contains(bad.trim().isEmpty() ? "'" : bad), e.getMessage());
        }
    }

    @Test
    void formatsForPeople() {
        assertEquals("500 ms", Durations.format(500));
        assertEquals("5 s", Durations.format(5_000));
        assertEquals("90 s", Durations.format(90_000));
        assertEquals("3 min", Durations.format(180_000));
    }
}
