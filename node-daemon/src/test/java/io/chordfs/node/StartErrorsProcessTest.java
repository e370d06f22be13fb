package io.chordfs.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node that cannot start says why in the operating system's words, and exits with 1. */
class StartErrorsProcessTest {
    private static String randomIp() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "127." + r.nextInt(100, 255) + "." + r.nextInt(0, 256) + "." + r.nextInt(1, 255);
    }

    /** Starts {@code run ARGS}, waits for the line, and for exit status 1. */
    private static void failsWith(String line, String... args) throws Exception {
        try (NodeProcess node = NodeProcess.start(args)) {
            node.await(line, 30_000);
            assertTrue(node.process().waitFor(30, TimeUnit.SECONDS), "the process exits");
            assertEquals(1, node.process().exitValue());
        }
    }

    @Test
    void aDataDirThatCannotBeCreatedNamesTheReason(@TempDir Path dir) throws Exception {
        String ip = randomIp();
        // /proc takes no new directories, for root neither: mkdir fails with ENOENT
        failsWith("node-daemon: cannot start on " + ip + ": /proc/chordfs-absent: No such file or directory",
                "run", "--ip", ip, "--data-dir", "/proc/chordfs-absent/data");
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        failsWith("node-daemon: cannot start on " + ip + ": " + file + "/data: Not a directory",
                "run", "--ip", ip, "--data-dir", file.resolve("data").toString());
    }

    @Test
    void aPortInUseNamesTheAddressAndTheReason(@TempDir Path dir) throws Exception {
        String ip = randomIp();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(ip, 5058));
            failsWith("node-daemon: cannot start on " + ip + ": cannot bind " + ip + ":5058: Address already in use",
                    "run", "--ip", ip, "--data-dir", dir.toString());
        }
    }

    @Test
    void anAddressNotOnThisMachineNamesTheReason(@TempDir Path dir) throws Exception {
        // 192.0.2.0/24 is TEST-NET-1: documentation only, never an interface's address
        failsWith("node-daemon: cannot start on 192.0.2.1: cannot bind 192.0.2.1:5057: Cannot assign requested address",
                "run", "--ip", "192.0.2.1", "--data-dir", dir.toString());
    }
}
