package io.chordfs.node.store;

import io.chordfs.core.ring.ObjectNames;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's memory of its objects, rebuilt at every open: each name's newest metadata
 * (tombstones included) with the damage known of its copy, the bytes of live objects, when chunk
 * objects were last touched, and the per-name locks that serialize commits of one name (a fixed
 * array of stripes, so it never grows; different names commit in parallel).
 *
 * <p>Damage is logged as a WARNING with the name: a copy that cannot match its metadata at all
 * (missing, wrong size, wrong SHA-256) is unservable; a block whose CRC failed is remembered, so a
 * later read of a range that touches it fails before writing anything, while ranges of intact
 * blocks are still served. A newer (or same-version) commit clears both.
 */
final class Index {
    private static final int STRIPES = 1024;

    private final ConcurrentSkipListMap<String, Entry> entries = new ConcurrentSkipListMap<>();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final AtomicLong liveBytes = new AtomicLong();
    /** When each chunk object was last read or checked by a client (see {@link ObjectStore#touch}). */
    private final ConcurrentHashMap<String, Long> touched = new ConcurrentHashMap<>();

    /**
     * One object in the index. {@code unservable} is non-null when the data file cannot match the
     * metadata at all (missing, wrong size, wrong SHA-256); {@code badBlocks} lists blocks whose CRC failed.
     */
    record Entry(ObjectMeta meta, String unservable, Set<Integer> badBlocks) {
        Entry(ObjectMeta meta) {
            this(meta, null, Set.of());
        }

        boolean damaged() {
            return unservable != null || !badBlocks.isEmpty();
        }

        long liveSize() {
            return meta.tombstone() ? 0 : meta.size();
        }
    }

    Index() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** The lock that commits, deletes and opening readers of {@code name} hold. */
    ReentrantLock lockFor(String name) {
        int h = name.hashCode();
        h ^= h >>> 16;
        return stripes[h & (STRIPES - 1)];
    }

    Entry get(String name) {
        return entries.get(name);
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** Makes {@code e} the entry of its name. */
    void put(Entry e) {
        Entry old = entries.put(e.meta().name(), e);
        liveBytes.addAndGet(e.liveSize() - liveSize(old));
    }

    /** Puts {@code e} unless its name has an entry; true when it did. */
    boolean putIfAbsent(Entry e) {
        if (entries.putIfAbsent(e.meta().name(), e) != null) {
            return false;
        }
        liveBytes.addAndGet(e.liveSize());
        return true;
    }

    void remove(String name) {
        liveBytes.addAndGet(-liveSize(entries.remove(name)));
    }

    private static long liveSize(Entry e) {
        return e == null ? 0 : e.liveSize();
    }

    /** The sum of live objects' sizes (tombstones count 0). */
    long liveBytes() {
        return liveBytes.get();
    }

    int size() {
        return entries.size();
    }

    /** Every entry, sorted by name. */
    Iterable<Entry> entries() {
        return entries.values();
    }

    /**
     * True when {@code meta} should replace {@code cur}. The larger version wins, whatever order
     * commits arrive in. Ties: a tombstone beats a live version; between two live versions with
     * different content the larger SHA-256 (hex) wins, so replicas that saw both converge on the
     * same bytes; the same version and content is a no-op, except that it replaces a copy known
     * to be damaged (read repair installs the same version).
     */
    static boolean supersedes(ObjectMeta meta, Entry cur) {
        if (cur == null) {
            return true;
        }
        ObjectMeta old = cur.meta();
        if (meta.version() != old.version()) {
            return meta.version() > old.version();
        }
        if (old.tombstone()) {
            return false;
        }
        if (meta.tombstone()) {
            return true;
        }
        int c = meta.sha256().compareTo(old.sha256());
        return c > 0 || (c == 0 && cur.damaged());
    }

    /** Every object including tombstones, sorted by name. */
    List<ObjectMeta> list() {
        List<ObjectMeta> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(e.meta());
        }
        return out;
    }

    /** The live chunk objects of every upload of {@code chunkName}. */
    List<ObjectMeta> chunkObjects(String chunkName) {
        String prefix = ObjectNames.UPLOAD_PREFIX + chunkName + "/";
        List<ObjectMeta> out = new ArrayList<>();
        for (Entry e : entries.subMap(prefix, prefix + Character.MAX_VALUE).values()) {
            ObjectMeta m = e.meta();
            if (!m.tombstone() && ObjectNames.parse(m.name()).filter(c -> c.chunkName().equals(chunkName)).isPresent()) {
                out.add(m);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ touches

    /** Notes a client's look at {@code name} at {@code nowMillis}, if it is here; call under the name's lock. */
    void touch(String name, long nowMillis) {
        if (entries.containsKey(name)) {
            touched.put(name, nowMillis);
        }
    }

    /** When a client last looked at {@code name} since the open, or Long.MIN_VALUE. */
    long lastTouched(String name) {
        return touched.getOrDefault(name, Long.MIN_VALUE);
    }

    void untouch(String name) {
        touched.remove(name);
    }

    // ------------------------------------------------------------------ damage

    boolean isCorrupt(String name) {
        Entry e = entries.get(name);
        return e != null && e.damaged();
    }

    List<String> corruptNames() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.damaged()) {
                out.add(e.meta().name());
            }
        }
        return out;
    }

    /** Blocks of this version of an object known to be bad (empty when none or when the version changed). */
    Set<Integer> badBlocks(ObjectMeta m) {
        Entry e = entries.get(m.name());
        return e != null && e.meta().version() == m.version() ? e.badBlocks() : Set.of();
    }

    /** Records a block whose CRC failed; logs a WARNING the first time. */
    void blockCorrupt(ObjectMeta m, int block, String detail) {
        boolean[] added = {false};
        entries.computeIfPresent(m.name(), (k, e) -> {
            if (e.meta().version() != m.version() || e.badBlocks().contains(block)) {
                return e;
            }
            Set<Integer> bad = new HashSet<>(e.badBlocks());
            bad.add(block);
            added[0] = true;
            return new Entry(e.meta(), e.unservable(), Set.copyOf(bad));
        });
        if (added[0]) {
            ObjectStore.LOG.log(System.Logger.Level.WARNING, "corrupt object ''{0}'' version {1}: block {2} {3}; it is not served until repaired",
                    m.name(), Long.toString(m.version()), block, detail);
        }
    }

    /** Marks this version of an object unservable, logs a WARNING, and returns the exception to throw. */
    CorruptObjectException unservable(ObjectMeta m, String why) {
        boolean[] changed = {false};
        entries.computeIfPresent(m.name(), (k, e) -> {
            if (e.meta().version() != m.version() || e.unservable() != null) {
                return e;
            }
            changed[0] = true;
            return new Entry(e.meta(), why, e.badBlocks());
        });
        if (changed[0]) {
            ObjectStore.LOG.log(System.Logger.Level.WARNING, "corrupt object ''{0}'' version {1}: {2}; it is not served until repaired",
                    m.name(), Long.toString(m.version()), why);
        }
        return new CorruptObjectException("'" + m.name() + "' is not served: " + why);
    }
}
