package io.chordfs.node.peer;

import io.chordfs.core.ring.NodeRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A PUT to a peer that stops reading, or never answers, ends as a timeout instead of hanging. */
@Timeout(30) // without the deadline the first test would block forever
class PeerClientTest {
    private static final long BODY = 64L << 20;

    /** A "peer" on an ephemeral port that accepts connections and never answers; with {@code drain} it reads everything sent. */
    private record FakePeer(ServerSocket server, List<Socket> accepted) implements AutoCloseable {
        static FakePeer start(boolean drain) throws IOException {
            ServerSocket s = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
            FakePeer p = new FakePeer(s, new ArrayList<>());
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        Socket c = s.accept();
                        synchronized (p.accepted) {
                            p.accepted.add(c);
                        }
                        if (drain) {
                            new Thread(() -> {
                                try (InputStream in = c.getInputStream()) {
                                    in.transferTo(OutputStream.nullOutputStream());
                                } catch (IOException ignored) {
                                    // the client gave up
                                }
                            }).start();
                        }
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            t.setDaemon(true);
            t.start();
            return p;
        }

        NodeRef node() {
            return new NodeRef("127.0.0.1", server.getLocalPort() - 2, 1);
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (accepted) {
                for (Socket c : accepted) {
                    c.close();
                }
            }
        }
    }

    private static Path body(Path dir) throws IOException {
        Path f = dir.resolve("body.bin");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(BODY); // sparse: no need to write 64 MiB
        }
        return f;
    }

    /** Runs a PUT of a 64 MiB body to a peer that never answers; returns the timeout it ended with. */
    private static HttpTimeoutException putToSilentPeer(Path dir, boolean peerReads) throws Exception {
        Path f = body(dir);
        PeerClient client = new PeerClient(io.chordfs.core.chord.ClusterSecret.NONE,
                new io.chordfs.node.store.VersionClock(java.time.Clock.systemUTC()), Duration.ofMillis(300),
                1_000_000_000L);
        try (FakePeer peer = FakePeer.start(peerReads)) {
            long t0 = System.nanoTime();
            HttpTimeoutException e = assertThrows(HttpTimeoutException.class,
                    () -> client.put(peer.node(), "stuck.bin", f, Files.size(f), "00".repeat(32)));
            double s = (System.nanoTime() - t0) / 1e9;
            assertTrue(s < 10, "gave up after " + s + " s");
            return e;
        }
    }

    @Test
    void aPeerThatStopsReadingEndsThePutAtItsDeadline(@TempDir Path dir) throws Exception {
        HttpTimeoutException e = putToSilentPeer(dir, false);
        assertTrue(e.getMessage().contains("took longer than"), e.getMessage());
    }

    @Test
    void aPeerThatTakesTheBodyButNeverAnswersTimesOut(@TempDir Path dir) throws Exception {
        putToSilentPeer(dir, true);
    }
}
