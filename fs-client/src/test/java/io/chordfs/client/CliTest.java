package io.chordfs.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/** What the command-line tests share: running fs-client in this JVM, its output, test files. */
abstract class CliTest {
    static final int CHUNK = 64 * 1024;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs {@code fs-client argv...}; returns its exit code, its output in {@link #out()} and {@link #err()}. */
    int run(String... argv) {
        // the user's own config file must not decide a test
        return run(Map.of("XDG_CONFIG_HOME", dir.resolve("no-config").toString()), InputStream.nullInputStream(), argv);
    }

    /** As {@link #run(String...)}, with this environment (and HOME's config unless it sets XDG_CONFIG_HOME) and stdin. */
    int run(Map<String, String> env, InputStream in, String... argv) {
        out.reset();
        err.reset();
        return Main.run(argv, new Main.Io(in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A file of {@code size} random bytes (from {@code seed}) in the test's folder. */
    Path file(String name, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }
}
