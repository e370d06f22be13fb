package io.chordfs.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.rpc.RpcClient;
import io.chordfs.core.rpc.RpcLimits;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: 256 idle connections used to fill a node's RPC port for the 5-minute idle timeout,
 * after which every lookup through it failed. Now a thousand cost no thread and lookups go on.
 */
class IdleConnectionsTest {
    @Test
    void aThousandIdleConnectionsDoNotStopLookups() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try (ChordService node = ChordService.start(ChordService.Options.of("127.0.0.1", 0));
             RpcClient client = new RpcClient(RpcLimits.defaults())) {
            node.create().get();
            for (int i = 0; i < 1000; i++) {
                Socket s = new Socket();
                idle.add(s);
                s.bind(new InetSocketAddress("127.0.0." + (2 + i % 4), 0));
                s.connect(node.self().address(), 2000);
            }
            long slowest = 0;
            for (long id = 0; id < 200; id++) {
                long t0 = System.nanoTime();
                assertEquals(Wire.node(node.self()),
                        client.callSync(node.self().address(), ChordNode.FIND_SUCCESSOR, List.of(id * 21_474_836L)));
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            assertTrue(slowest < TimeUnit.MILLISECONDS.toNanos(500), "slowest lookup " + slowest / 1000 + " µs");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }
}
