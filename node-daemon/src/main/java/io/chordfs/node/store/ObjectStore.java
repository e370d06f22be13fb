package io.chordfs.node.store;

import io.chordfs.core.net.BlockCrcs;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.store.Index.Entry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <h2>Commit protocol</h2>
 * A {@link StagedWrite} streams the upload into {@code tmp/}, hashing as it goes. {@link StagedWrite#commit}
 * then commits it in one of two ways. <b>Inline</b> (the usual way): it writes the metadata
 * into the temp file's extended attribute, fsyncs the file (one fsync for bytes and metadata),
 * and with the name's lock held renames it onto {@code <data>/<name>} and fsyncs the data
 * directory (shared with concurrent commits), updates the index and returns. The data file is
 * self-describing, so a crash leaves the old file or the new one, each whole with its own
 * metadata. A metadata file the name had before (a tombstone, or metadata kept in a file) is
 * removed afterwards; at open
 * the newer of the two wins anyway. <b>With an intent</b>, when the metadata is kept in a file,
 * with the name's lock held:
 * <ol>
 * <li>fsyncs the temp file;</li>
 * <li>writes the new metadata as an intent record {@code pending/<hash>.json}, fsyncs it and {@code pending/};</li>
 * <li>renames the temp file onto {@code <data>/<name>} (atomic replace), fsyncs the data directory;</li>
 * <li>renames the intent onto {@code meta/<hash>.json} (atomic replace), fsyncs {@code meta/};</li>
 * <li>updates the in-memory index, and only then returns (the caller acknowledges the write).</li>
 * </ol>
 * A delete is the same with a tombstone as the intent and an unlink instead of step 3.
 * <p>Recovery in {@link #open}: every intent whose visible state matches it (data file of the
 * intent's size and SHA-256, or no data file for a tombstone) and that is not older than the
 * installed metadata is installed: the crash came after step 3. Every other intent is discarded:
 * the crash came before step 3, and the old version is still complete. Everything in {@code tmp/}
 * is deleted. So a crash at any point leaves the old or the new version complete and visible,
 * never a partial one, and no leftovers. (Intents are written in place, not renamed: a torn
 * intent can only exist before its fsync, hence before step 3, and is discarded as unreadable.)
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
    private final Set<StagedWrite> active = ConcurrentHashMap.newKeySet();
    private final FileChannel lockChannel;
    private volatile boolean closed;
    /** Test hook; see {@link Faults}. */
    volatile Faults faults = Faults.NONE;

    /**
     * What a commit did: the metadata now stored, whether the staged file became it, and whether
     * that made the name live where it was absent or deleted (false when it replaced a live one).
     */
    record Installed(ObjectMeta meta, boolean installed, boolean created) {}

    private ObjectStore(Path dataDir, long quota, Disk disk, Clock wall) throws IOException {
        this.layout = new Layout(dataDir);
        this.clock = new VersionClock(wall);
        this.openedAt = wall.millis();
        this.lockChannel = layout.lock();
        this.carrier = new MetaCarrier(layout);
        this.quota = new Quota(quota, disk, index);
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
        layout.dataFile(name);
        ensureOpen();
        while (true) {
            Path tmp = layout.newTempFile();
            FileChannel ch;
            try {
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (IOException e) {
                throw Quota.noSpace(e, "creating a temp file for '" + name + "'");
            }
            StagedWrite w = new StagedWrite(this, name, tmp, ch, quota.reservation(name));
            active.add(w);
            if (closed) {
                w.close();
                ensureOpen();
            }
            return w;
        }
    }

    /**
     * Installs a staged, finished write as {@code version} (called by {@link StagedWrite#commit});
     * see the class comment for the protocol. When it loses to what is stored, nothing changes
     * and the caller discards the temp file.
     */
    Installed install(StagedWrite w, long version, long modifiedMillis) throws IOException {
        ensureOpen();
        String name = w.name();
        ObjectMeta meta = w.metaAs(version, modifiedMillis);
        Entry cur = index.get(name);
        if (!Index.supersedes(meta, cur)) {
            return new Installed(cur.meta(), false, false);
        }
        byte[] encoded = MetaCodec.encode(meta);
        boolean inline = carrier.attach(w.file(), encoded, name);
        w.sync();
        faults.at("commit.synced");
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            ensureOpen();
            cur = index.get(name);
            if (!Index.supersedes(meta, cur)) {
                return new Installed(cur.meta(), false, false);
            }
            boolean created = cur == null || cur.meta().tombstone();
            if (inline) {
                installInline(w, meta, cur);
            } else {
                installWithIntent(w, meta, encoded);
            }
            return new Installed(meta, true, created);
        } finally {
            l.unlock();
        }
    }

    /**
     * The one-fsync commit: the temp file already holds its metadata and is synced, so renaming
     * it into place and syncing the directory commits both. A metadata file left from an older
     * state (a tombstone, or metadata kept in a file) is removed afterwards; until then it loses
     * to the newer inline version at open, so that removal need not be durable.
     */
    private void installInline(StagedWrite w, ObjectMeta meta, Entry cur) throws IOException {
        String name = meta.name();
        Files.move(w.file(), layout.dataFile(name), StandardCopyOption.ATOMIC_MOVE);
        // The index shows the new version only once the rename is durable.
        try {
            faults.at("commit.inline-renamed");
            layout.dataSyncOf(name).sync();
        } catch (IOException | RuntimeException e) {
            publish(meta, e);
            throw e;
        }
        publish(meta, null);
        faults.at("commit.data-renamed");
        if (cur != null) {
            FileOps.deleteQuietly(layout.metaFile(name)); // the write is durable whether or not this works
        }
    }

    /** The commit with an intent record, for metadata kept in a file (see "Commit protocol"). */
    private void installWithIntent(StagedWrite w, ObjectMeta meta, byte[] encoded) throws IOException {
        String name = meta.name();
        carrier.writeIntent(name, encoded, "the metadata of '" + name + "'");
        faults.at("commit.intent");
        try {
            Files.move(w.file(), layout.dataFile(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            FileOps.deleteQuietly(layout.intent(name));
            throw e;
        }
        // The new bytes are visible now; from here on the intent on disk is what makes them whole.
        try {
            layout.dataSyncOf(name).sync();
            faults.at("commit.data-renamed");
            carrier.installIntent(name);
            layout.metaSync.sync();
            faults.at("commit.meta-renamed");
        } catch (IOException | RuntimeException e) {
            publish(meta, e);
            throw e;
        }
        publish(meta, null);
    }

    /**
     * Puts a committed version in the index; when {@code interrupted} is set, its rename happened
     * but may not be durable, and it is not served until a reopen.
     */
    private void publish(ObjectMeta meta, Exception interrupted) {
        index.put(interrupted == null ? new Entry(meta) : new Entry(meta, "commit of version "
                + meta.version() + " was interrupted (" + interrupted + "); reopening the store finishes it", Set.of()));
        observe(meta.version());
    }

    /**
     * Writes a tombstone with {@code version} if it wins over what is stored (see "Versions"),
     * removes the visible file, and returns the resulting metadata: the tombstone, or what is
     * stored when that is newer. A name never seen before gets a tombstone too.
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
        Path file = layout.dataFile(name);
        ensureOpen();
        ObjectMeta tomb = tombstone(name, version, modifiedMillis);
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            ensureOpen();
            Entry cur = index.get(name);
            if (!Index.supersedes(tomb, cur) || index.lastTouched(name) > untouchedSince) {
                return cur.meta();
            }
            index.untouch(name);
            carrier.writeIntent(name, MetaCodec.encode(tomb), "the tombstone of '" + name + "'");
            faults.at("delete.intent");
            try {
                Files.deleteIfExists(file);
            } catch (IOException | RuntimeException e) {
                FileOps.deleteQuietly(layout.intent(name));
                throw e;
            }
            try {
                layout.dataSyncOf(name).sync();
                faults.at("delete.unlinked");
                carrier.installIntent(name);
                layout.metaSync.sync();
            } catch (IOException | RuntimeException e) {
                // The file is gone; serve nothing, and let a reopen install the tombstone from the intent.
                index.put(new Entry(tomb));
                observe(version);
                throw e;
            }
            index.put(new Entry(tomb));
            observe(version);
            return tomb;
        } finally {
            l.unlock();
        }
    }

    /**
     * Drops this node's copy of {@code name} without leaving a tombstone, when the stored version
     * is still {@code version} (a copy handed over to its new owner, who confirmed it). Returns
     * false, changing nothing, when the name is absent or another version is stored by now.
     * Crash-safe: a marker {@code pending/<hash>.forget} holding the metadata is made durable
     * first; recovery removes the metadata file and the data file it describes and then the
     * marker, so a dropped copy is never adopted back.
     */
    public boolean forget(String name, long version) throws IOException {
        Path file = layout.dataFile(name);
        ensureOpen();
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            ensureOpen();
            Entry cur = index.get(name);
            if (cur == null || cur.meta().version() != version) {
                return false;
            }
            Path marker = layout.forgetMarker(name);
            FileOps.writeDurably(marker, MetaCodec.encode(cur.meta()));
            layout.pendingSync.sync();
            try {
                // Synced even when there is no file: an older one removed by an inline commit must stay gone.
                Files.deleteIfExists(layout.metaFile(name));
                layout.metaSync.sync();
                index.remove(name);
                index.untouch(name);
                faults.at("forget.marked");
                if (!cur.meta().tombstone()) {
                    Files.deleteIfExists(file);
                    FileOps.fsyncDir(file.getParent());
                }
            } catch (IOException | RuntimeException e) {
                // Keep what is still there, and drop the marker: left behind, it would delete a copy
                // committed again at this version at the next open.
                if (!cur.meta().tombstone() && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    index.putIfAbsent(cur);
                }
                FileOps.deleteQuietly(marker);
                throw e;
            }
            Files.delete(marker);
            layout.pendingSync.sync();
            return true;
        } finally {
            l.unlock();
        }
    }

    private static ObjectMeta tombstone(String name, long version, long modifiedMillis) {
        return new ObjectMeta(name, ObjectNames.placementKey(name), 0, "", version, true, modifiedMillis, BLOCK_SIZE, List.of());
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

    private void observe(long version) {
        clock.observe(version);
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
        for (StagedWrite w : active) {
            w.close();
        }
        releaseLock();
    }

    /** Test hook: stop as a crash would, leaving the disk exactly as it is. */
    void abandon() {
        closed = true;
        releaseLock();
    }

    private void releaseLock() {
        try {
            lockChannel.close(); // releases the lock
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the lock file of " + layout.data, e);
        }
    }

    // ------------------------------------------------------------------ helpers

    void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the object store in " + layout.data + " is closed");
        }
    }

    void unregister(StagedWrite w) {
        active.remove(w);
    }

    /**
     * The file that holds {@code name}'s bytes (for operators and tests that look at the disk);
     * checks the name.
     */
    public Path fileOf(String name) {
        return layout.dataFile(name);
    }
}
