package io.chordfs.core.net;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.rpc.MsgpackValues;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcError;
import io.chordfs.core.rpc.RpcLimits;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Garbage thrown at a real node never stops it serving well-behaved peers. */
class MalformedInputTest {
    /**
     * How long each junk connection may take to be answered or closed. Generous: the first one is
     * the node's first connection ever, which loads the server's classes on the node loop (each one
     * also instrumented when a fuzz test ran earlier in the same JVM) and has taken over 2 s on a
     * loaded machine. A connection the node leaves waiting is still caught: it would end only at
     * the idle timeout, minutes later.
     */
    private static final Duration ANSWER_DEADLINE = Duration.ofSeconds(30);

    @Test
    void randomBytesAndBadCallsLeaveTheNodeServing() throws Exception {
        try (ChordService node = ChordService.start(ChordService.Options.of("127.0.0.1", 0)
                .withChord(ChordConfig.defaults().withPeriods(50, 50)));
             RpcClient client = new RpcClient(RpcLimits.defaults())) {
            node.create().get();
            assertTrue(RpcLimits.defaults().idleTimeout().compareTo(ANSWER_DEADLINE.multipliedBy(2)) > 0,
                    "the deadline must stay well under the idle timeout, or an idle close would pass");
            Random random = new Random(5);
            for (int i = 0; i < 200; i++) {
                byte[] junk = new byte[1 + random.nextInt(i % 10 == 0 ? 4096 : 64)];
                random.nextBytes(junk);
                try (Socket s = new Socket(node.self().ip(), node.self().port())) {
                    s.setSoTimeout((int) ANSWER_DEADLINE.toMillis());
                    OutputStream out = s.getOutputStream();
                    out.write(junk);
                    out.flush();
                    s.shutdownOutput();
                    InputStream in = s.getInputStream();
                    // The node answers (an error) or closes; it must not hang this peer.
                    try {
                        while (in.read() >= 0) {
                            // drain until the node closes
                        }
                    } catch (SocketTimeoutException e) {
                        throw new AssertionError("node neither answered nor closed after " + junk.length + " random bytes", e);
                    }
                }
            }
            // Well-formed calls with bad arguments are answered with errors on a live connection.
            for (Object badId : new Object[] {-1L, 1L << 32, "a.txt", List.of(1L), null, 1.5}) {
                RpcError e = assertThrows(RpcError.class, () -> client.callSync(node.self().address(),
                        ChordNode.FIND_SUCCESSOR, java.util.Arrays.asList(badId), Duration.ofSeconds(5)));
                assertTrue(e.getMessage().contains("find_successor"), e.getMessage());
            }
            // An oversized frame closes only that connection.
            try (Socket s = new Socket(node.self().ip(), node.self().port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(new byte[] {(byte) 0xdb, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
                assertEquals(-1, s.getInputStream().read());
            }
            assertEquals(Wire.node(node.self()), client.callSync(node.self().address(), ChordNode.GET_INFO, List.of()));
            byte[] call = MsgpackValues.encode(List.of(0L, 7L, "get_successor", List.of(0L)));
            try (Socket s = new Socket(node.self().ip(), node.self().port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(call);
                Object reply = MsgpackValues.read(org.msgpack.core.MessagePack.newDefaultUnpacker(s.getInputStream()), RpcLimits.defaults());
                assertEquals(java.util.Arrays.asList(1L, 7L, null, Wire.node(node.self())), reply);
            }
        }
    }
}
