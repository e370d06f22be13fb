package io.chordfs.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.rpc.MsgpackValues;
import io.chordfs.core.rpc.RpcError;
import io.chordfs.core.rpc.RpcFormatException;
import io.chordfs.core.rpc.RpcLimits;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes off the wire through the msgpack decoder and, when they make a request, through a
 * node's dispatcher: the only acceptable outcomes are a value, a format error, an answer or an
 * error answer; and {@code kill} succeeds only with the node's cluster secret. In mvn test the
 * seeds in src/test/resources run as regression tests; with JAZZER_FUZZ=1 Jazzer searches for
 * inputs that do anything else.
 */
class RpcInputFuzzTest {
    private static final RpcLimits LIMITS = RpcLimits.defaults().withMaxFrameBytes(64 * 1024);
    private static final String SECRET = "s3cret";
    private static final ChordConfig CONFIG = ChordConfig.defaults().withClusterSecret(ClusterSecret.of(SECRET));

    @FuzzTest(maxDuration = "30s")
    void decoderAndDispatcherNeverFailOtherwise(byte[] input) throws Exception {
        Object message;
        try {
            message = MsgpackValues.decode(input, LIMITS);
        } catch (RpcFormatException expected) {
            return;
        }
        if (!(message instanceof List<?> m) || m.size() != 4 || !(m.get(2) instanceof String method)) {
            return;
        }
        List<Object> params = m.get(3) instanceof List<?> l ? new ArrayList<>(l) : List.of();
        // A lone node answers everything itself; a call to a peer fails at once.
        ChordNode node = new ChordNode(new NodeRef("127.0.0.1", 5057, 1), CONFIG,
                (peer, name, args) -> CompletableFuture.failedFuture(new IOException("no network in this test")),
                () -> 0);
        node.create();
        CompletableFuture<Object> answer = node.handle(method, params);
        assertTrue(answer.isDone() || method.equals(ChordNode.JOIN), "a lone node answers at once: " + method);
        if (method.equals(ChordNode.KILL) && !answer.isCompletedExceptionally()) {
            Object given = params.size() == 1 ? params.get(0) : null;
            byte[] bytes = given instanceof String t ? t.getBytes(StandardCharsets.UTF_8) : given instanceof byte[] b ? b : null;
            assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), bytes, () -> "kill succeeded with " + params);
        }
        if (answer.isDone() && answer.isCompletedExceptionally()) {
            try {
                answer.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                assertTrue(cause instanceof RpcError || cause instanceof IOException,
                        () -> "unexpected failure for " + method + " " + params + ": " + cause);
            }
        }
    }
}
