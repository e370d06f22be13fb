package io.chordfs.core.rpc;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * One log line per kind of refused or cut-off connection every 10 s at most, with how many
 * there were: a flood of 2,000 slow clients is one line, not 2,000. One per server.
 */
public final class CutOffLog {
    private static final System.Logger LOG = System.getLogger(CutOffLog.class.getName());
    private static final long EVERY_NANOS = 10_000_000_000L;

    private record Count(long since, int n) {}

    private final String server;
    private final Map<String, Count> counts = new HashMap<>();

    public CutOffLog(String server) {
        this.server = server;
    }

    /** Notes one connection from {@code from} closed for {@code why}; logs when the last line about it is old enough. */
    public void note(String why, InetSocketAddress from) {
        long now = System.nanoTime();
        int n;
        synchronized (this) {
            Count c = counts.get(why);
            if (c != null && now - c.since < EVERY_NANOS) {
                counts.put(why, new Count(c.since, c.n + 1));
                return;
            }
            n = c == null ? 1 : c.n + 1;
            counts.put(why, new Count(now, 0));
        }
        LOG.log(Level.WARNING, "{0}: closed {1} connection{2}: {3} (the last from {4})", server, n, n == 1 ? "" : "s",
                why, from == null ? "?" : from.getAddress().getHostAddress());
    }
}
