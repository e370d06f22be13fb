package io.chordfs.client;

import io.chordfs.node.replica.Uploads;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client streams: a child JVM with a 64 MiB heap moves a file four times its heap, both ways, from a file and through pipes. */
class LargeFileTest {
    static final long SIZE = 256L << 20;

    @TempDir
    Path dir;

    @Test
    void aFileFourTimesTheHeapGoesUpAndDownThroughA64MiBClient() throws Exception {
        Path f = dir.resolve("big.bin");
        byte[] block = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(f)) {
            for (long i = 0; i < SIZE / block.length; i++) {
                new Random(i).nextBytes(block);
                o.write(block);
            }
            o.write(block, 0, 12345); // not a whole number of chunks
        }
        String sha = Transfers.sha256(f);
        // The default grace: an upload that takes longer than the grace would lose its first chunks.
        try (Nodes ring = Nodes.start(dir.resolve("nodes"), 3, c -> c.withUploadGrace(Uploads.DEFAULT_GRACE_MS))) {
            String entry = ring.ip(1);
            String up = child("upload", f.toString(), entry, "--chunk-size", "4MiB", "--parallel", "4");
            assertTrue(up.contains("in 65 chunks (65 sent, 0 already there)") && up.contains(sha), up);
            Path got = dir.resolve("got.bin");
            String down = child("download", "big.bin", entry, "-o", got.toString(), "--parallel", "4");
            assertTrue(down.contains("65 chunks (65 fetched, 0 reused)"), down);
            assertEquals(Files.size(f), Files.size(got));
            assertEquals(sha, Transfers.sha256(got));

            // the same through a pipe: stdin up, stdout down
            String piped = child(f, null, "upload", "-", entry, "--name", "piped.bin", "--chunk-size", "4MiB");
            assertTrue(piped.contains("in 65 chunks") && piped.contains(sha), piped);
            Path out = dir.resolve("stdout.bin");
            child(null, out, "download", "piped.bin", entry, "-o", "-");
            assertEquals(sha, Transfers.sha256(out));
        }
    }

    private String child(String... args) throws IOException, InterruptedException {
        return child(null, null, args);
    }

    /** Runs the client in a child JVM, stdin from {@code in} and stdout to {@code out} when given; returns its log. */
    private String child(Path in, Path out, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("child.log");
        ProcessBuilder b = new ProcessBuilder(cmd);
        if (in != null) {
            b.redirectInput(in.toFile());
        }
        if (out != null) {
            b.redirectOutput(out.toFile()).redirectError(log.toFile());
        } else {
            b.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        Process p = b.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished in time");
        assertEquals(0, p.exitValue(), Files.readString(log));
        return Files.readString(log);
    }
}
