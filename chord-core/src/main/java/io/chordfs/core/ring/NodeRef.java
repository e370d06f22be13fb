package io.chordfs.core.ring;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A ring member as the wire names it: {@code [ip, port, id]}. The empty ip means "no node".
 */
public record NodeRef(String ip, int port, long id) {
    public static final NodeRef NONE = new NodeRef("", 0, 0);

    public NodeRef {
        Objects.requireNonNull(ip, "ip");
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (!Ring.isId(id)) {
            throw new IllegalArgumentException("id out of range: " + id);
        }
    }

    /** A node whose id is the key of "ip:port", the default. */
    public static NodeRef of(String ip, int port) {
        return new NodeRef(ip, port, Keys.nodeId(ip, port));
    }

    public boolean isNone() {
        return ip.isEmpty();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(ip, port);
    }

    @Override
    public String toString() {
        return isNone() ? "<none>" : ip + ":" + port + "#" + id;
    }
}
