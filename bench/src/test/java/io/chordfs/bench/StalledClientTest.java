package io.chordfs.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StalledClientTest {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void readsAFixedLengthAnswer() throws IOException {
        StalledBench.Client.Response r = StalledBench.Client.parse(ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
        assertEquals(200, r.status());
        assertArrayEquals(ascii("hello"), r.body());
    }

    @Test
    void readsAChunkedAnswer() throws IOException {
        StalledBench.Client.Response r = StalledBench.Client.parse(ascii(
                "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n"));
        assertEquals(201, r.status());
        assertArrayEquals(ascii("hello"), r.body());
    }

    @Test
    void aClosedConnectionIsNoAnswer() {
        assertThrows(IOException.class, () -> StalledBench.Client.parse(new byte[0]));
        assertThrows(IOException.class, () -> StalledBench.Client.parse(ascii(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")));
    }
}
