package io.chordfs.node.aws;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * moto's server mode on loopback: the AWS API emulator the node's AWS tests talk to through the
 * real SDK. It comes from the project's venv (scripts/setup-python installs moto[server]); a
 * missing venv fails the tests, it never skips them.
 */
final class MotoServer implements AutoCloseable {
    final String endpoint;
    private final Process process;
    private final Path log;

    private MotoServer(Process process, String endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    static MotoServer start() throws IOException, InterruptedException {
        Path venv = Path.of(System.getProperty("chordfs.venv", "../.venv")).toAbsolutePath().normalize();
        Path server = venv.resolve("bin/moto_server");
        if (!Files.isExecutable(server)) {
            fail("moto_server not found at " + server + ": run scripts/setup-python (it installs moto[server] from "
                    + "compat/requirements.txt into .venv)");
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

    private void awaitReady() throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                fail("moto_server exited with " + process.exitValue() + ": " + Files.readString(log));
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
        close();
        fail("moto_server did not answer within 60 s: " + Files.readString(log));
    }

    /** An SDK client builder aimed at this server: us-east-1, fake credentials. */
    <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>> B aim(B builder) {
        return builder.region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .endpointOverride(URI.create(endpoint))
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("testing", "testing")));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        new File(log.toString()).delete();
    }
}
