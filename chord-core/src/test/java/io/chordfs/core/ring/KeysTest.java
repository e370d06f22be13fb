package io.chordfs.core.ring;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KeysTest {
    /** Expected values computed with Python: int(hashlib.md5(name.encode()).hexdigest(), 16) & 0xffffffff. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a.txt|607204990",
            "b.txt|1291422205",
            "hello world|2405092803",
            "ünïcödé.bin|1499754964",
            "a.txt_chunk_1|2756827572",
            "127.0.0.1:5057|2394523406",
            "127.0.0.11:5057|3014757710",
    })
    void keyMatchesPythonHashlib(String name, long expected) {
        assertEquals(expected, Keys.key(name));
    }

    @Test
    void emptyAndLongNames() {
        assertEquals(3975692926L, Keys.key(""));
        assertEquals(3080105768L, Keys.key("x".repeat(300)));
    }

    @Test
    void nodeIdIsKeyOfIpColonPort() {
        assertEquals(3014757710L, Keys.nodeId("127.0.0.11", 5057));
        assertEquals(3014757710L, NodeRef.of("127.0.0.11", 5057).id());
    }
}
