package io.chordfs.client;

import com.sun.net.httpserver.HttpServer;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.net.HttpPut;
import io.chordfs.core.ring.NodeRef;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RingClient's PUT and raw GET against a stand-in node (a JDK HTTP server on a loopback ephemeral port). */
class RingClientTest {
    @Test
    void aPutCarriesTheBodysBlockCrcsAndAFailedOneNamesTheStatus() throws Exception {
        AtomicReference<String> crcHeader = new AtomicReference<>();
        AtomicReference<byte[]> received = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            crcHeader.set(ex.getRequestHeaders().getFirst(BlockCrcs.HEADER));
            try (InputStream in = ex.getRequestBody()) {
                received.set(in.readAllBytes());
            }
            String sha = switch (ex.getRequestURI().getPath()) {
                case "/x.bin", "/empty" -> "ab".repeat(32);
                case "/not-a-sha" -> "xyz";
                default -> null;
            };
            if (sha != null) {
                ex.getResponseHeaders().set(HttpPut.BODY_SHA256, sha);
            }
            String path = ex.getRequestURI().getPath();
            ex.sendResponseHeaders(path.equals("/refused") ? 422 : path.equals("/forward-refused") ? 502 : 201, -1);
            ex.close();
        });
        server.start();
        try (RingClient ring = new RingClient(new InetSocketAddress("127.0.0.1", 1))) {
            // a node's HTTP port is its Chord port + 1
            NodeRef node = NodeRef.of(server.getAddress().getHostString(), server.getAddress().getPort() - 1);
            byte[] body = new byte[2 * BlockCrcs.BLOCK_SIZE + 3];
            new Random(5).nextBytes(body);
            // the node's SHA-256 of what it took comes back; anything else counts as not said
            assertEquals(Optional.of("ab".repeat(32)), ring.put(node, "x.bin", RingClient.Body.of(body, body.length)));
            assertArrayEquals(body, received.get());
            assertEquals(BlockCrcs.format(BlockCrcs.of(body, 0, body.length)), crcHeader.get());
            assertEquals(Optional.empty(), ring.put(node, "not-a-sha", RingClient.Body.of(body, 5)));
            assertEquals(Optional.empty(), ring.put(node, "silent", RingClient.Body.of(body, 5)));
            // no CRCs sent (an empty body): the node checked nothing, so its sum is not taken
            assertEquals(Optional.empty(), ring.put(node, "empty", RingClient.Body.of(body, 0)));

            RingClient.StatusException e = assertThrows(RingClient.StatusException.class,
                    () -> ring.put(node, "refused", RingClient.Body.of(body, 10)));
            assertEquals(422, e.code);
            RingClient.StatusException bad = assertThrows(RingClient.StatusException.class,
                    () -> ring.put(node, "forward-refused", RingClient.Body.of(body, 10)));
            assertEquals(502, bad.code);
            assertTrue(bad.getMessage().contains("owner refused"), bad.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRawGetAsksForTheStoredBlockCrcsAndReadsThem() throws Exception {
        AtomicReference<String> raw = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            raw.set(ex.getRequestHeaders().getFirst(RingClient.RAW_HEADER));
            String crcs = switch (ex.getRequestURI().getPath()) {
                case "/good" -> "1,4294967295";
                case "/malformed" -> "1,x";
                default -> null;
            };
            if (crcs != null) {
                ex.getResponseHeaders().set(BlockCrcs.HEADER, crcs);
            }
            ex.getResponseHeaders().set("ETag", "\"abc\"");
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write(new byte[] {7, 8});
            ex.close();
        });
        server.start();
        try (RingClient ring = new RingClient(new InetSocketAddress("127.0.0.1", 1))) {
            NodeRef node = NodeRef.of(server.getAddress().getHostString(), server.getAddress().getPort() - 1);
            RingClient.Raw good = ring.getRaw(node, "good").orElseThrow();
            assertEquals("1", raw.get());
            assertEquals(List.of(1L, 4294967295L), good.blockCrcs());
            assertEquals(Optional.of("abc"), good.etag());
            try (InputStream in = good.body()) {
                assertArrayEquals(new byte[] {7, 8}, in.readAllBytes());
            }
            // without usable CRCs the client hashes instead
            for (String name : new String[] {"malformed", "none"}) {
                RingClient.Raw r = ring.getRaw(node, name).orElseThrow();
                r.body().close();
                assertEquals(List.of(), r.blockCrcs(), name);
            }
        } finally {
            server.stop(0);
        }
    }
}
