package io.chordfs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one short system command (ip, mount, kill, curl, wrk) and fails with its output when it fails. */
final class Shell {
    private Shell() {}

    static void run(String... cmd) throws IOException {
        output(10, List.of(cmd));
    }

    static void run(List<String> cmd) throws IOException {
        output(10, cmd);
    }

    /** Standard output and error of {@code cmd}, which must exit 0 within {@code seconds}. */
    static String output(long seconds, List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line = String.join(" ", cmd);
        byte[][] out = new byte[1][];
        // Read while it runs: a command that prints more than a pipe holds would otherwise never end.
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        }, "shell-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(line + ": timed out after " + seconds + " s");
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(line + ": interrupted");
        }
        String text = out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(line + ": exit " + p.exitValue() + ": " + text.trim());
        }
        return text;
    }
}
