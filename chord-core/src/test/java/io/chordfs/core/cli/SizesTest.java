package io.chordfs.core.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SizesTest {
    @Test
    void unitsAsPeopleWriteThem() throws Exception {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(64 << 10, Sizes.parse("64KiB"));
        assertEquals(8L << 20, Sizes.parse("8 MiB"));
        assertEquals(1L << 30, Sizes.parse("1gib"));
        assertEquals(10_000_000_000L, Sizes.parse("10GB"));
        assertEquals(5, Sizes.parse("5b"));
    }

    @Test
    void nonsenseIsAUsageError() {
        assertThrows(Args.UsageException.class, () -> Sizes.parse("lots"));
        assertThrows(Args.UsageException.class, () -> Sizes.parse("-1MiB"));
        assertThrows(Args.UsageException.class, () -> Sizes.parse("9999999999999TiB"));
    }

    @Test
    void formatsForPeople() {
        assertEquals("1.5 KiB", Sizes.format(1536));
        assertEquals("12 B", Sizes.format(12));
    }
}
