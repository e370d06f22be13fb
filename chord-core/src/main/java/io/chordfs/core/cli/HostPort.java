package io.chordfs.core.cli;

import picocli.CommandLine;

import java.net.InetSocketAddress;

/** Parses {@code HOST[:PORT]} as the command lines take it. */
public final class HostPort {
    /** The Chord RPC port, which an address without one means. */
    public static final int CHORD_PORT = 5057;

    private HostPort() {}

    /** {@code --join HOST[:PORT]}: a node's Chord address, port 5057 unless given. */
    public static final class Converter implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String text) {
            try {
                return parse(text, CHORD_PORT);
            } catch (Args.UsageException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    public static InetSocketAddress parse(String text, int defaultPort) throws Args.UsageException {
        if (text.contains("://")) {
            throw new Args.UsageException("'" + text + "' is a URL; give a node's address, HOST[:PORT] with its Chord"
                    + " port (default " + CHORD_PORT + "), e.g. 10.0.0.5");
        }
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
