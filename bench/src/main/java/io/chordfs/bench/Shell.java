package io.chordfs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one short system command (ip, mount, kill) and fails with its output when it fails. */
final class Shell {
    private Shell() {}

    static void run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line = String.join(" ", cmd);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(line + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(line + ": interrupted");
        }
        if (p.exitValue() != 0) {
            throw new IOException(line + ": " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    static void run(List<String> cmd) throws IOException {
        run(cmd.toArray(String[]::new));
    }
}
