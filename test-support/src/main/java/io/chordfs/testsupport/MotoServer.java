package io.chordfs.testsupport;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;

/**
 * moto's server mode on loopback: the AWS API emulator the deploy and node AWS tests talk to
 * through the real SDK. It comes from the project's venv (scripts/setup-python installs
 * moto[server]); a missing venv fails the tests, it never skips them.
 *
 * <p>The venv is the system property {@code chordfs.venv} (set by the surefire configuration),
 * else {@code ../.venv} from the working directory (a module's directory under the root). Each
 * server gets a free port of its own, its output goes to a temporary log that is quoted when it
 * fails to start, and {@link #close()} stops it and deletes the log.
 */
public final class MotoServer implements AutoCloseable {
    private final String endpoint;
    private final Process process;
    private final Path log;

    private MotoServer(Process process, String endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /** Starts moto_server on a free loopback port and returns once it answers (at most 60 s). */
    public static MotoServer start() throws IOException, InterruptedException {
        Path venv = Path.of(System.getProperty("chordfs.venv", "../.venv")).toAbsolutePath().normalize();
        Path server = venv.resolve("bin/moto_server");
        if (!Files.isExecutable(server)) {
            throw new AssertionError("moto_server not found at " + server + ": run scripts/setup-python (it installs "
                    + "moto[server] from compat/requirements.txt into .venv)");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("moto-", ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(server.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("AWS_ACCESS_KEY_ID", "testing");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "testing");
        MotoServer moto = new MotoServer(pb.start(), "http://127.0.0.1:" + port, log);
        moto.awaitReady();
        return moto;
    }

    /** The server's URL, {@code http://127.0.0.1:PORT}: the endpoint override for SDK clients. */
    public String endpoint() {
        return endpoint;
    }

    private void awaitReady() throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("moto_server exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint + "/moto-api/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() > 0) {
                    c.disconnect();
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        String output = Files.readString(log);
        close();
        throw new AssertionError("moto_server did not answer within 60 s: " + output);
    }

    /**
     * An SDK client builder aimed at this server: us-east-1, fake credentials. Needs the AWS SDK
     * on the caller's classpath (this module has it as provided).
     */
    public <B extends AwsClientBuilder<B, ?>> B aim(B builder) {
        return builder.region(Region.US_EAST_1)
                .endpointOverride(URI.create(endpoint))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")));
    }

    /** Stops the server (destroy, then forcibly after 10 s) and deletes its log. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        new File(log.toString()).delete();
    }
}
