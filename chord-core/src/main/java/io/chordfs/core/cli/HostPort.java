package io.chordfs.core.cli;

import java.net.InetSocketAddress;

/** Parses {@code HOST[:PORT]} as the command lines take it. */
public final class HostPort {
    private HostPort() {}

    public static InetSocketAddress parse(String text, int defaultPort) throws Args.UsageException {
        String host = text;
        int port = defaultPort;
        int colon = text.lastIndexOf(':');
        if (colon >= 0 && text.indexOf(':') == colon) {
            host = text.substring(0, colon);
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new Args.UsageException("bad port in '" + text + "'");
            }
        }
        if (host.isEmpty() || port < 1 || port > 0xffff) {
            throw new Args.UsageException("expected HOST[:PORT], got '" + text + "'");
        }
        return new InetSocketAddress(host, port);
    }
}
