package io.chordfs.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * curl as the benchmarks' HTTP client for large bodies: a C client that costs the machine far less
 * than the JDK's, so that what is timed is the server. Timings are curl's own {@code time_total}.
 */
final class Curl {
    private final Path binary;
    private final long maxSeconds;

    Curl(Path binary, long maxSeconds) {
        this.binary = binary;
        this.maxSeconds = maxSeconds;
    }

    /** curl, or null (with a line saying why) when it is not installed and cannot be. */
    static Curl orNull(long maxSeconds) {
        Path p = Tools.require("curl", "curl", "curl as the client");
        return p == null ? null : new Curl(p, maxSeconds);
    }

    /** What curl reported of one request. */
    record Transfer(int status, long downloaded, long uploaded, double seconds) {
        double mbPerSecond(long bytes) {
            return bytes / 1e6 / seconds;
        }
    }

    /** GET {@code url} into /dev/null. */
    Transfer get(URI url) throws IOException {
        return curl(List.of("-o", "/dev/null", url.toString()));
    }

    /** POST {@code base}/upload, multipart/form-data with the field {@code files} as uploadserver takes it. */
    Transfer postForm(URI base, Path file, String name) throws IOException {
        return curl(List.of("-o", "/dev/null", "-F", "files=@" + file + ";filename=" + name + ";type=application/octet-stream",
                base.resolve("/upload").toString()));
    }

    /** PUT {@code url} with the file as the raw body. */
    Transfer put(URI url, Path file) throws IOException {
        return curl(List.of("-o", "/dev/null", "-T", file.toString(), url.toString()));
    }

    /** The SHA-256 of the body of GET {@code url} (hashed as it streams in; not for timing). */
    byte[] sha256(URI url) throws Exception {
        Process p = new ProcessBuilder(binary.toString(), "-sS", "--fail", "--max-time", Long.toString(maxSeconds), url.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        if (!p.waitFor(maxSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("curl " + url + " failed");
        }
        return sha.digest();
    }

    private Transfer curl(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-sS", "--max-time", Long.toString(maxSeconds),
                // no "Expect: 100-continue": uploadserver (HTTP/1.0) never answers it, and curl would wait 1 s
                "-H", "Expect:", "-w", "\\n%{http_code} %{size_download} %{size_upload} %{time_total}\\n"));
        cmd.addAll(args);
        String out = Shell.output(maxSeconds + 10, cmd).strip();
        String[] f = out.substring(out.lastIndexOf('\n') + 1).trim().split(" ");
        try {
            return new Transfer(Integer.parseInt(f[0]), (long) Double.parseDouble(f[1]), (long) Double.parseDouble(f[2]),
                    Double.parseDouble(f[3].replace(',', '.')));
        } catch (RuntimeException e) {
            throw new IOException("curl: unexpected output: " + out);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "curl (%s)", binary);
    }
}
