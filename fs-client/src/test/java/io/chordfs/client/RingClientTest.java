package io.chordfs.client;

import com.sun.net.httpserver.HttpServer;
import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.ring.NodeRef;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** RingClient's PUT against a stand-in node (a JDK HTTP server on a loopback ephemeral port). */
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
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/refused") ? 422 : 201, -1);
            ex.close();
        });
        server.start();
        try (RingClient ring = new RingClient(new InetSocketAddress("127.0.0.1", 1))) {
            // a node's HTTP port is its Chord port + 1
            NodeRef node = NodeRef.of(server.getAddress().getHostString(), server.getAddress().getPort() - 1);
            byte[] body = new byte[2 * BlockCrcs.BLOCK_SIZE + 3];
            new Random(5).nextBytes(body);
            ring.put(node, "x.bin", RingClient.Body.of(body, body.length));
            assertArrayEquals(body, received.get());
            assertEquals(BlockCrcs.format(BlockCrcs.of(body, 0, body.length)), crcHeader.get());

            RingClient.StatusException e = assertThrows(RingClient.StatusException.class,
                    () -> ring.put(node, "refused", RingClient.Body.of(body, 10)));
            assertEquals(422, e.code);
        } finally {
            server.stop(0);
        }
    }
}
