package io.chordfs.node.http;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chordfs.node.route.LocalRouter;
import io.chordfs.node.route.RingListing;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a whole request (the client then half-closes, as one that has sent
 * everything) to a real file server on a random 127.x.y.z address: the server must answer or
 * close within {@link #ANSWER_MS}, never with a 500 (our handler failing), and serve a plain GET
 * right after. Writes need credentials the fuzzer cannot guess, so the object that GET reads
 * stays. Seeds run in mvn test; JAZZER_FUZZ=1 fuzzes.
 */
class FileServerSocketFuzzTest {
    private static final int ANSWER_MS = 5_000;
    private static final byte[] CANARY = "still here\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] GET_CANARY = "GET /canary.txt HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    static Path dir;
    private static ObjectStore store;
    private static FileServer server;

    @BeforeAll
    static void start() throws IOException {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String ip = "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + "." + r.nextInt(1, 255);
        store = ObjectStore.open(dir, 0);
        LocalRouter router = new LocalRouter(store);
        try (StagedWrite w = store.stage("canary.txt")) {
            w.out().write(CANARY);
            router.commit(w);
        }
        server = FileServer.start(new InetSocketAddress(ip, 0), store, router, RingListing.alone(store),
                FileServer.Options.defaults().withBasicAuth(null, "fuzz:" + UUID.randomUUID()));
    }

    @AfterAll
    static void stop() {
        server.close();
        store.close();
    }

    @FuzzTest(maxDuration = "30s")
    void anyRequestIsAnsweredOrClosedInTimeAndTheServerServesOn(byte[] request) throws IOException {
        String answer = new String(exchange(request), StandardCharsets.ISO_8859_1);
        assertFalse(answer.startsWith("HTTP/1.1 500"), () -> "our handler failed on " + Arrays.toString(request) + ":\n" + answer);

        byte[] canary = exchange(GET_CANARY);
        String head = new String(canary, StandardCharsets.ISO_8859_1);
        assertTrue(head.startsWith("HTTP/1.1 200"), () -> "no longer serving after " + Arrays.toString(request) + ":\n" + head);
        assertArrayEquals(CANARY, Arrays.copyOfRange(canary, canary.length - CANARY.length, canary.length));
    }

    /** Sends {@code request}, half-closes, and reads until the server closes (fails after ANSWER_MS of silence). */
    private static byte[] exchange(byte[] request) throws IOException {
        InetSocketAddress a = server.address();
        // Jazzer's SSRF detector reports every connection it was not told about (and is loaded
        // only once the fuzz test runs, so this cannot be said once in start()).
        try (SilentCloseable allowed = BugDetectors.allowNetworkConnections(
                (host, port) -> host.equals(a.getHostString()) && port == a.getPort());
             Socket s = new Socket()) {
            s.connect(a, ANSWER_MS);
            s.setSoTimeout(ANSWER_MS);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                s.shutdownOutput();
            } catch (IOException e) {
                // the server may close before reading it all; what it said still counts
            }
            return Fixture.readUntilClose(s.getInputStream());
        }
    }
}
