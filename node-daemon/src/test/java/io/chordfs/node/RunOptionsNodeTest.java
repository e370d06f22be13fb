package io.chordfs.node;

import io.chordfs.core.cli.Args;
import io.chordfs.node.daemon.NodeDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options of {@code run} that only show in what a running node does. */
class RunOptionsNodeTest {
    private static NodeDaemon.Config config(String ip, Path dir, String... options) throws Args.UsageException {
        Args args = Args.parse(options, RunCommand.NODE_OPTIONS, Set.of());
        return RunCommand.config(args, ip, dir);
    }

    @Test
    void maxObjectSizeRefusesLargerUploadsWith413AndStoresNothing(@TempDir Path dir) throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String ip = "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + "." + r.nextInt(1, 255);
        try (NodeDaemon node = NodeDaemon.start(config(ip, dir, "--max-object-size", "1KiB"))) {
            node.createRing();
            assertEquals(413, NodeHttp.upload(node, "big.bin", new byte[1025]), "a multipart upload over the limit");
            assertEquals(404, NodeHttp.get(node, "big.bin").statusCode());
            assertFalse(NodeHttp.holds(node, "big.bin"));
            assertEquals(204, NodeHttp.upload(node, "fits.bin", new byte[1024]), "exactly the limit fits");
            assertTrue(NodeHttp.holds(node, "fits.bin"));
        }
    }

    @Test
    void maxObjectSizeMustBeASize(@TempDir Path dir) {
        assertThrows(Args.UsageException.class, () -> config("127.0.0.1", dir, "--max-object-size", "lots"));
    }
}
