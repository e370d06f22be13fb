package io.chordfs.core.chord;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Logs a refused membership call once per peer and kind a minute, so an intruder that keeps
 * trying shows in the log without flooding it. Remembers a bounded number of peers.
 */
public final class RefusalLog {
    static final long EVERY_MILLIS = 60_000;
    private static final int PEERS = 256;
    private static final System.Logger LOG = System.getLogger(RefusalLog.class.getName());

    private final String node;
    private final Map<String, Long> logged = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > PEERS;
        }
    };

    /** @param node the node that refuses, as its log lines name it */
    public RefusalLog(String node) {
        this.node = node;
    }

    /** Notes that {@code what} from {@code peer} was refused because {@code why}; logs it unless it was this minute. */
    public synchronized void refused(String peer, String what, String why, long nowMillis) {
        String key = peer + " " + what;
        Long last = logged.get(key);
        if (last == null || nowMillis - last >= EVERY_MILLIS) {
            logged.put(key, nowMillis);
            LOG.log(System.Logger.Level.WARNING, "{0}: ignored {1} from {2}: {3}", node, what, peer, why);
        }
    }
}
