package io.chordfs.client;


import io.chordfs.core.cli.HostPort;
import io.chordfs.core.cli.IoErrors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The entry nodes to try, in order, and the credentials to send: from the command line, else the
 * environment ({@code CHORDFS_NODES}, {@code CHORDFS_AUTH}), else the config file
 * ({@code $XDG_CONFIG_HOME/chordfs/config}, default {@code ~/.config/chordfs/config}) with lines
 * {@code nodes = a,b:5057} and {@code user = u:p}; {@code #} starts a comment.
 */
record Entry(List<InetSocketAddress> nodes, String user) {
    static final String NODES_ENV = "CHORDFS_NODES";
    static final String AUTH_ENV = "CHORDFS_AUTH";

    static Entry resolve(InetSocketAddress ip, List<InetSocketAddress> options, String user, Map<String, String> env) {
        Map<String, String> config = null;
        List<InetSocketAddress> nodes = new ArrayList<>();
        if (ip != null) {
            nodes.add(ip);
        }
        nodes.addAll(options);
        if (nodes.isEmpty()) {
            String list = env.get(NODES_ENV);
            String from = NODES_ENV;
            if (list == null || list.isBlank()) {
                config = config(env);
                list = config.get("nodes");
                from = configFile(env).toString();
            }
            if (list == null || list.isBlank()) {
                throw new Main.Usage("no entry node: give IP[:PORT], --node, " + NODES_ENV + " or 'nodes = ...' in "
                        + configFile(env));
            }
            for (String a : list.split(",")) {
                if (!a.isBlank()) {
                    nodes.add(address(a.strip(), from));
                }
            }
        }
        if (user == null) {
            user = env.get(AUTH_ENV);
        }
        if (user == null) {
            user = (config == null ? config(env) : config).get("user");
        }
        if (user != null && !user.contains(":")) {
            throw new Main.Usage("credentials must be USER:PASS");
        }
        return new Entry(List.copyOf(nodes), user);
    }

    private static InetSocketAddress address(String text, String from) {
        try {
            return new HostPort.Converter().convert(text);
        } catch (RuntimeException e) {
            throw new Main.Usage(from + ": " + e.getMessage());
        }
    }

    static Path configFile(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
        return base.resolve("chordfs").resolve("config");
    }

    /** The config file's {@code key = value} lines; empty when there is none. */
    static Map<String, String> config(Map<String, String> env) {
        Path file = configFile(env);
        Map<String, String> out = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new Main.Usage("cannot read " + IoErrors.describe(e));
        }
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                throw new Main.Usage(file + ": expected 'key = value', got '" + l + "'");
            }
            out.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
        }
        return out;
    }
}
