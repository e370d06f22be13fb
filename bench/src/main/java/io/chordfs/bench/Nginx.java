package io.chordfs.bench;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nginx (Debian's {@code nginx-light}) serving one directory on an ephemeral port of 127.0.0.1, as
 * a file server is set up to go fast: sendfile, no access log, unlimited keep-alive requests, one
 * worker per core. The ceiling the benchmarks read a node's GETs against. A child process of its
 * own prefix, stopped by {@link #close()}.
 */
final class Nginx implements AutoCloseable {
    private final Process process;
    private final URI base;
    private final Path log;

    private Nginx(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    /** nginx, or null (with a line saying why) when it is not installed and cannot be. */
    static Nginx startOrNull(Path root, Path prefix) throws IOException, InterruptedException {
        Path binary = Tools.require("nginx", "nginx-light", "the nginx ceiling");
        return binary == null ? null : start(binary, root, prefix);
    }

    static Nginx start(Path binary, Path root, Path prefix) throws IOException, InterruptedException {
        Files.createDirectories(prefix.resolve("body"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path conf = prefix.resolve("nginx.conf");
        Path log = prefix.resolve("error.log");
        // "user root": the bench's temp directories are 0700; without root the line is ignored with a warning.
        Files.writeString(conf, """
                daemon off;
                master_process on;
                worker_processes auto;
                user root;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 16384; }
                http {
                    access_log off;
                    sendfile on;
                    tcp_nopush on;
                    tcp_nodelay on;
                    keepalive_requests 100000000;
                    keepalive_timeout 75s;
                    default_type application/octet-stream;
                    client_body_temp_path %1$s/body;
                    server {
                        listen 127.0.0.1:%2$d;
                        root %3$s;
                    }
                }
                """.formatted(prefix, port, root));
        Process p = new ProcessBuilder(binary.toString(), "-p", prefix.toString(), "-c", conf.toString(), "-e", log.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Nginx n = new Nginx(p, URI.create("http://127.0.0.1:" + port), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("nginx exited with " + p.exitValue() + ": " + Files.readString(log).strip());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) n.base.resolve("/").toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(1000);
                c.getResponseCode();
                c.disconnect();
                return n;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    n.close();
                    throw new IOException("nginx did not answer within 10 s: " + Files.readString(log).strip());
                }
                Thread.sleep(50);
            }
        }
    }

    URI base() {
        return base;
    }

    /** The master and its workers, for CPU accounting. */
    List<Long> pids() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()), process.descendants())
                .map(ProcessHandle::pid).toList();
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: a fast shutdown of master and workers
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
