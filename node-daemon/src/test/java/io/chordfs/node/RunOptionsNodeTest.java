package io.chordfs.node;

import io.chordfs.node.daemon.NodeDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options of {@code run} that only show in what a running node does. */
class RunOptionsNodeTest {
    /** {@code run --ip IP --data-dir DIR OPTIONS} as the command line reads it. */
    private static NodeDaemon.Config config(String ip, Path dir, String... options) {
        List<String> argv = new ArrayList<>(List.of("run", "--ip", ip, "--data-dir", dir.toString()));
        argv.addAll(List.of(options));
        PrintStream none = new PrintStream(OutputStream.nullOutputStream());
        return Main.commandLine(none, none).parseArgs(argv.toArray(String[]::new)).subcommand().commandSpec().commandLine()
                .<RunCommand>getCommand().config();
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
}
