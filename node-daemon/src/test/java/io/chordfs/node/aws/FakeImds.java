package io.chordfs.node.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small local server that behaves like IMDSv2: PUT /latest/api/token with
 * {@code X-aws-ec2-metadata-token-ttl-seconds} (1-21600, else 400) issues a token valid for that
 * long (echoed in the same header); every GET needs a live token in
 * {@code X-aws-ec2-metadata-token}, else 401; unknown paths are 404.
 */
final class FakeImds implements AutoCloseable {
    static final String TTL = "X-aws-ec2-metadata-token-ttl-seconds";
    static final String TOKEN = "X-aws-ec2-metadata-token";

    final Map<String, String> values = new ConcurrentHashMap<>();
    /** Every request as "METHOD path status". */
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<Integer> ttlsAsked = new CopyOnWriteArrayList<>();
    private final Map<String, Long> tokens = new ConcurrentHashMap<>();
    private final HttpServer server;

    FakeImds() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Sets a value under /latest/meta-data/. */
    FakeImds put(String path, String value) {
        values.put("/latest/meta-data/" + path, value);
        return this;
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        String method = x.getRequestMethod();
        int status;
        String body = "";
        if (path.equals("/latest/api/token")) {
            String ttl = x.getRequestHeaders().getFirst(TTL);
            int seconds = parse(ttl);
            if (!method.equals("PUT")) {
                status = 405;
            } else if (seconds < 1 || seconds > 21600) {
                status = 400;
            } else {
                ttlsAsked.add(seconds);
                body = UUID.randomUUID().toString();
                tokens.put(body, System.currentTimeMillis() + seconds * 1000L);
                x.getResponseHeaders().add(TTL, Integer.toString(seconds));
                status = 200;
            }
        } else if (!method.equals("GET")) {
            status = 405;
        } else {
            String token = x.getRequestHeaders().getFirst(TOKEN);
            Long expires = token == null ? null : tokens.get(token);
            if (expires == null || expires < System.currentTimeMillis()) {
                status = 401;
            } else if (values.containsKey(path)) {
                status = 200;
                body = values.get(path);
            } else {
                status = 404;
                body = "<?xml version=\"1.0\"?><html><body>404 - Not Found</body></html>";
            }
        }
        requests.add(method + " " + path + " " + status);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            x.getResponseBody().write(bytes);
        }
        x.close();
    }

    private static int parse(String s) {
        try {
            return s == null ? -1 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
