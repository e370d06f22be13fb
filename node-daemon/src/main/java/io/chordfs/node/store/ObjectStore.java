package io.chordfs.node.store;

import io.chordfs.core.net.BlockCrcs;
import io.chordfs.node.store.Index.Entry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's local object store: durable, checksummed, versioned objects in one flat namespace.
 * Every object is cut into blocks of {@link #BLOCK_SIZE} bytes; its metadata ({@link ObjectMeta})
 * holds each block's CRC32C and the SHA-256 of the whole content (the ETag). A deleted object
 * keeps its metadata as a tombstone (no data file), so an older copy arriving later never brings
 * it back. Of two versions of a name, the one {@link Index#supersedes} picks wins on every node,
 * whatever order they arrive in.
 *
 * <p>This class is the store's entry point; behind it:
 * <ul>
 * <li>{@link Layout}: where everything is on disk;</li>
 * <li>{@link MetaCarrier}: where an object's metadata is kept (on its data file, or in a file);</li>
 * <li>{@link Writes} and {@link StagedWrite}: the commit, delete and forget protocols;</li>
 * <li>{@link ObjectReader}: verified reads;</li>
 * <li>{@link Index}: what is stored and the damage known of it, and the per-name locks;</li>
 * <li>{@link Recovery}: opening, after a clean stop or a crash;</li>
 * <li>{@link Quota}: room for writes;</li>
 * <li>{@link VersionClock}: the versions of writes.</li>
 * </ul>
 * Thread-safe.
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
     * files that have none (see {@link Recovery}).
     */
    public static ObjectStore open(Path dataDir, long capacityBytes) throws IOException {
        return open(dataDir, capacityBytes, Clock.systemUTC());
    }

    /** As {@link #open(Path, long)}, versioning with {@code wall} as this node's wall clock. */
    public static ObjectStore open(Path dataDir, long capacityBytes, Clock wall) throws IOException {
        Path dir = directory(dataDir);
        return new ObjectStore(dir, Math.max(0, capacityBytes), Disk.of(dir), wall);
    }

    /** As {@link #open(Path, long)} with a given view of the disk (tests). */
    static ObjectStore open(Path dataDir, long capacityBytes, Disk disk) throws IOException {
        return new ObjectStore(directory(dataDir), Math.max(0, capacityBytes), disk, Clock.systemUTC());
    }

    private static Path directory(Path dataDir) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        return dir;
    }

    public Path dataDir() {
        return layout.data;
    }

    /**
     * The file that holds {@code name}'s bytes (for operators and tests that look at the disk);
     * checks the name.
     */
    public Path fileOf(String name) {
        return layout.dataFile(name);
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
        return ObjectReader.open(index, name, file);
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

    /**
     * A new version from this node's {@link VersionClock}: larger than every version stored or
     * seen here (the clock moves past every version committed here and found at open).
     */
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

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the object store in " + layout.data + " is closed");
        }
    }

    private void releaseLock() {
        try {
            lockChannel.close(); // releases the lock
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the lock file of " + layout.data, e);
        }
    }

    // ------------------------------------------------------------------ test hooks

    /** Stops as a crash would, leaving the disk exactly as it is. */
    void abandon() {
        closed = true;
        releaseLock();
    }

    /** Stops the commit, delete and forget protocols where {@code faults} says (see {@link Faults}). */
    void faults(Faults faults) {
        writes.faults = faults;
    }

    /** True when new objects carry their metadata in an extended attribute. */
    boolean inlineMeta() {
        return carrier.inline();
    }

    /** Metadata longer than {@code bytes} goes to a file (0: all of it, as without extended attributes). */
    void inlineMetaLimit(int bytes) {
        carrier.inlineLimit = bytes;
    }
}
