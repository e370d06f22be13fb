package io.chordfs.node.store;

import io.chordfs.core.net.BlockCrcs;
import io.chordfs.node.store.Index.Entry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's local object store: durable, checksummed, versioned objects in one flat namespace.
 *
 * <h2>On disk</h2>
 * Each object's bytes are a file of its own ({@link Layout}), its metadata on that file or beside
 * it ({@link MetaCarrier}). Every object is cut into blocks of {@link #BLOCK_SIZE} bytes; the metadata holds each block's
 * CRC32C and the SHA-256 of the whole content (the ETag). Deleted objects keep their metadata as a
 * tombstone (no data file), so an older copy arriving later never brings them back.
 *
 * <h2>Commits</h2>
 * {@link Writes} commits, deletes and forgets; {@link Recovery} finishes or discards what a crash
 * interrupted (see each).
 *
 * <h2>Versions</h2>
 * The larger version wins, whatever order commits arrive in. Ties: a tombstone beats a live
 * version; between two live versions with different content the larger SHA-256 (hex) wins, so
 * replicas that saw both converge on the same bytes; the same version and content is a no-op,
 * except that it replaces a copy known to be corrupt (read repair installs the same version).
 * {@link #nextVersion()} comes from the node's {@link VersionClock}, a hybrid logical clock that also
 * moves past every version committed here, so it stays ahead of everything in the index after a
 * restart.
 *
 * <h2>Reads</h2>
 * {@link #read} opens the data file and takes the metadata under the name's lock, so a reader
 * holds one consistent version even while a writer replaces the file (the old inode lives on
 * while open). {@link ObjectReader#copyTo} verifies each block's CRC32C before writing a byte of it.
 * <p>Damage is recorded in the index (and logged as a WARNING with the name): a missing data
 * file or one of the wrong size makes the object unservable ({@link #read} throws
 * {@link CorruptObjectException}); a block whose CRC fails is remembered, so a later read of a
 * range that touches it fails before writing anything, while ranges of intact blocks are still
 * served. {@link #isCorrupt} and {@link #corruptNames} tell the repair layer what to replace; a
 * newer (or same-version) commit clears the mark.
 *
 * <h2>Opening</h2>
 * {@link #open} rebuilds the index from {@code meta/} and the data files' attributes without
 * hashing the data (where a name has both, the newer wins, by the rules of "Versions"): it
 * checks that each live object's file exists with the recorded size (otherwise: unservable,
 * WARNING). Regular files in the data directory that have no metadata (or an attribute naming
 * another name: a file renamed by hand), or only a tombstone (a file copied in by hand), are
 * <em>adopted</em>: hashed, given a version from the file's modification time (see
 * {@link #adoptedVersion}), and committed like any other object. Files whose names break the
 * {@linkplain Names name rules} or are not valid UTF-8, directories and symbolic links are left
 * alone (a WARNING at each open) and never served. One INFO line reports what recovery did.
 * The JVM must run with a UTF-8 locale (LANG=C.UTF-8) to store non-ASCII names; open() warns if not.
 *
 * <h2>Capacity</h2>
 * With a quota ({@code capacityBytes > 0}), used = the sum of live objects' sizes (tombstones count
 * 0); a write reserves its bytes as they arrive and fails with {@link StoreFullException} as soon
 * as committed + in-flight bytes would exceed the quota (so a replacement needs room for both
 * copies while it is written, as on a real disk). Without a quota the file system is the limit:
 * a write fails once the disk's usable space would drop below a small reserve
 * (min(64 MiB, 1% of the disk)). A real ENOSPC or EDQUOT during a write or fsync is reported
 * as {@link StoreFullException} too. Either way the partial temp file is deleted at once.
 *
 * <p>Thread-safe. Commits of one name are serialized by a striped lock (a fixed array, so it
 * never grows); different names commit in parallel.
 */
public final class ObjectStore implements AutoCloseable {
    /** Bytes per checksummed block. */
    public static final int BLOCK_SIZE = BlockCrcs.BLOCK_SIZE;

    /** The store's one logger: all of its parts log under this name. */
    static final System.Logger LOG = System.getLogger(ObjectStore.class.getName());

    private final Layout layout;
    private final long openedAt;
    private final MetaCarrier carrier;
    private final Index index = new Index();
    private final Quota quota;
    private final VersionClock clock;
    private final Writes writes;
    private final FileChannel lockChannel;
    private volatile boolean closed;

    private ObjectStore(Path dataDir, long quota, Disk disk, Clock wall) throws IOException {
        this.layout = new Layout(dataDir);
        this.clock = new VersionClock(wall);
        this.openedAt = wall.millis();
        this.lockChannel = layout.lock();
        this.carrier = new MetaCarrier(layout);
        this.quota = new Quota(quota, disk, index);
        this.writes = new Writes(layout, carrier, index, this.quota, clock, this::ensureOpen);
        try {
            new Recovery(layout, carrier, index, clock).run();
        } catch (IOException | RuntimeException e) {
            releaseLock();
            throw e;
        }
    }

    /**
     * Opens (creating if needed) the store in {@code dataDir}; {@code capacityBytes} 0 means
     * counting against the file system. Recovers from a crash: finishes or discards interrupted
     * commits, deletes temp files, rebuilds the in-memory index from the metadata files, adopts
     * files that have none (see the class comment).
     */
    public static ObjectStore open(Path dataDir, long capacityBytes) throws IOException {
        return open(dataDir, capacityBytes, Clock.systemUTC());
    }

    /** As {@link #open(Path, long)}, versioning with {@code wall} as this node's wall clock. */
    public static ObjectStore open(Path dataDir, long capacityBytes, Clock wall) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        return new ObjectStore(dir, Math.max(0, capacityBytes), Disk.of(dir), wall);
    }

    /** As {@link #open(Path, long)} with a given view of the disk (tests). */
    static ObjectStore open(Path dataDir, long capacityBytes, Disk disk) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        return new ObjectStore(dir, Math.max(0, capacityBytes), disk, Clock.systemUTC());
    }

    /** True when new objects carry their metadata in an extended attribute (see "On disk"). */
    boolean inlineMeta() {
        return carrier.inline();
    }

    /** Test hook: metadata longer than {@code bytes} goes to a file (0: all of it, as without extended attributes). */
    void inlineMetaLimit(int bytes) {
        carrier.inlineLimit = bytes;
    }

    public Path dataDir() {
        return layout.data;
    }

    // ------------------------------------------------------------------ writes

    /**
     * Starts writing {@code name}: the bytes written to {@link StagedWrite#out()} go to a temp file
     * under {@code <data>/.chordfs/tmp} as they arrive. Nothing is visible until
     * {@link StagedWrite#commit}. Throws {@link BadNameException} for a bad name.
     */
    public StagedWrite stage(String name) throws IOException {
        return writes.stage(name);
    }

    /**
     * Writes a tombstone with {@code version} if it wins over what is stored (see
     * {@link Index#supersedes}), removes the visible file, and returns the resulting metadata: the
     * tombstone, or what is stored when that is newer. A name never seen before gets a tombstone too.
     */
    public ObjectMeta delete(String name, long version, long modifiedMillis) throws IOException {
        return delete(name, version, modifiedMillis, Long.MAX_VALUE);
    }

    /**
     * As {@link #delete(String, long, long)}, unless the object was {@linkplain #touch touched}
     * after {@code untouchedSince} (wall-clock ms): then nothing changes and the stored metadata is
     * returned. Checked under the name's lock, so a client that checks an upload's chunk just
     * before committing it either sees it gone or keeps it.
     */
    public ObjectMeta delete(String name, long version, long modifiedMillis, long untouchedSince) throws IOException {
        return writes.delete(name, version, modifiedMillis, untouchedSince);
    }

    /**
     * Drops this node's copy of {@code name} without leaving a tombstone, when the stored version
     * is still {@code version} (a copy handed over to its new owner, who confirmed it). Returns
     * false, changing nothing, when the name is absent or another version is stored by now. A
     * dropped copy is never adopted back, even after a crash.
     */
    public boolean forget(String name, long version) throws IOException {
        return writes.forget(name, version);
    }

    // ------------------------------------------------------------------ reads

    /** The newest metadata of {@code name}, tombstones included (also for objects known to be corrupt). */
    public Optional<ObjectMeta> meta(String name) {
        Names.checkObject(name);
        Entry e = index.get(name);
        return e == null ? Optional.empty() : Optional.of(e.meta());
    }

    /**
     * Opens the newest live version of {@code name} for verified reading. Throws
     * {@link NoSuchFileException} when it is absent or deleted, and {@link CorruptObjectException}
     * when the stored copy is known to be unservable (missing file, wrong size).
     */
    public ObjectReader read(String name) throws IOException {
        Path file = layout.dataFile(name);
        ensureOpen();
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            Entry e = index.get(name);
            if (e == null || e.meta().tombstone()) {
                throw new NoSuchFileException(name);
            }
            ObjectMeta m = e.meta();
            if (e.unservable() != null) {
                throw new CorruptObjectException("'" + name + "' is not served: " + e.unservable());
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                throw index.unservable(m, "its data file is missing");
            } catch (IOException ex) {
                throw index.unservable(m, "its data file cannot be opened (" + ex + ")");
            }
            try {
                long size = ch.size();
                if (size != m.size()) {
                    throw index.unservable(m, "its data file has " + size + " bytes, the metadata says " + m.size());
                }
            } catch (IOException ex) {
                ch.close();
                throw ex;
            }
            return new ObjectReader(index, m, ch);
        } finally {
            l.unlock();
        }
    }

    /** The live chunk objects of every upload of {@code chunkName} held here. */
    public List<ObjectMeta> chunkObjects(String chunkName) {
        return index.chunkObjects(chunkName);
    }

    /**
     * Records that a client read or checked a chunk object, so it is not collected as abandoned
     * (see {@link #lastActive}); under the name's lock, against {@link #delete(String, long, long, long)}.
     * Kept in memory only: after a restart, every object counts as active at the start.
     */
    public void touch(String name) {
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            index.touch(name, clock.wallMillis());
        } finally {
            l.unlock();
        }
    }

    /** When a client last wrote, read or checked {@code m} here (the store's opening counts as a look). */
    public long lastActive(ObjectMeta m) {
        return Math.max(Math.max(m.modifiedMillis(), openedAt), index.lastTouched(m.name()));
    }

    /** Every object including tombstones, sorted by name. */
    public List<ObjectMeta> list() {
        return index.list();
    }

    /** True when the stored copy of {@code name} is known to be damaged (unservable or with bad blocks). */
    public boolean isCorrupt(String name) {
        return index.isCorrupt(name);
    }

    /** Names of every object known to be damaged, sorted: what read repair or a scrubber should replace. */
    public List<String> corruptNames() {
        return index.corruptNames();
    }

    // ------------------------------------------------------------------ clock and capacity

    /** A new version from this node's {@link VersionClock}: larger than every version stored or seen here. */
    public long nextVersion() {
        return clock.next();
    }

    /** The clock that versions writes here; node-to-node messages carry and advance it. */
    public VersionClock clock() {
        return clock;
    }

    /** Bytes of live objects (with a quota), or bytes in use on the file system (as df counts them). */
    public long usedBytes() {
        return quota.usedBytes();
    }

    /** The quota, or the file system's size. */
    public long capacityBytes() {
        return quota.capacityBytes();
    }

    /**
     * Percent in use: used / quota with a quota; without one, as df and the CloudWatch agent's
     * {@code disk_used_percent} compute it: used / (used + available to us).
     */
    public double usedPercent() {
        return quota.usedPercent();
    }

    // ------------------------------------------------------------------ close

    /** Stops the store: discards staged writes not yet committed and releases the directory lock. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writes.discardStaged();
        releaseLock();
    }

    /** Test hook: stop as a crash would, leaving the disk exactly as it is. */
    void abandon() {
        closed = true;
        releaseLock();
    }

    /** Test hook: stops the commit, delete and forget protocols where {@code faults} says (see {@link Faults}). */
    void faults(Faults faults) {
        writes.faults = faults;
    }

    private void releaseLock() {
        try {
            lockChannel.close(); // releases the lock
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the lock file of " + layout.data, e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the object store in " + layout.data + " is closed");
        }
    }

    /**
     * The file that holds {@code name}'s bytes (for operators and tests that look at the disk);
     * checks the name.
     */
    public Path fileOf(String name) {
        return layout.dataFile(name);
    }
}
