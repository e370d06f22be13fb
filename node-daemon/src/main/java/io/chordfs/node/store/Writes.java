package io.chordfs.node.store;

import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.store.Index.Entry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Every change to what the store holds: staging and committing writes, deleting, forgetting.
 * Each change is made under the name's lock and is durable before the index shows it.
 *
 * <p>A {@link StagedWrite} streams an upload into {@code tmp/}, hashing as it goes; {@link #install}
 * then commits it in one of two ways. <b>Inline</b> (the usual way): it writes the metadata into
 * the temp file's extended attribute, fsyncs the file (one fsync for bytes and metadata), and
 * with the name's lock held renames it onto the data file and fsyncs the data directory (shared
 * with concurrent commits), updates the index and returns. The data file is self-describing, so
 * a crash leaves the old file or the new one, each whole with its own metadata. A metadata file
 * the name had before (a tombstone, or metadata kept in a file) is removed afterwards; at open
 * the newer of the two wins anyway. <b>With an intent</b>, when the metadata is kept in a file
 * ({@link MetaCarrier}), with the name's lock held:
 * <ol>
 * <li>fsyncs the temp file;</li>
 * <li>writes the new metadata as an intent record {@code pending/<hash>.json}, fsyncs it and {@code pending/};</li>
 * <li>renames the temp file onto the data file (atomic replace), fsyncs the data directory;</li>
 * <li>renames the intent onto {@code meta/<hash>.json} (atomic replace), fsyncs {@code meta/};</li>
 * <li>updates the in-memory index, and only then returns (the caller acknowledges the write).</li>
 * </ol>
 * A delete is the same with a tombstone as the intent and an unlink instead of step 3.
 * {@link Recovery} finishes or discards what a crash interrupted.
 */
final class Writes {
    private final Layout layout;
    private final MetaCarrier carrier;
    private final Index index;
    private final Quota quota;
    private final VersionClock clock;
    private final Open open;
    /** Staged writes not yet committed or discarded, so closing the store can discard them. */
    private final Set<StagedWrite> staged = ConcurrentHashMap.newKeySet();
    /** Test hook; see {@link Faults}. */
    volatile Faults faults = Faults.NONE;

    /** The store's check that it is still open; throws once it is closed. */
    @FunctionalInterface
    interface Open {
        void check() throws IOException;
    }

    /**
     * What {@link #install} did: the outcome for the client, and whether the temp file became the
     * stored object (when not, the write lost to what is stored, and the temp file is the caller's
     * to discard).
     */
    record Installed(Committed committed, boolean installed) {}

    Writes(Layout layout, MetaCarrier carrier, Index index, Quota quota, VersionClock clock, Open open) {
        this.layout = layout;
        this.carrier = carrier;
        this.index = index;
        this.quota = quota;
        this.clock = clock;
        this.open = open;
    }

    /** Starts writing {@code name} into a new temp file; see {@link ObjectStore#stage}. */
    StagedWrite stage(String name) throws IOException {
        layout.dataFile(name);
        open.check();
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
            staged.add(w);
            try {
                open.check(); // the store may have closed before the write was registered
            } catch (IOException e) {
                w.close();
                throw e;
            }
            return w;
        }
    }

    /** Called by a staged write once it is committed or discarded. */
    void ended(StagedWrite w) {
        staged.remove(w);
    }

    /** Discards every staged write not yet committed (the store is closing). */
    void discardStaged() {
        for (StagedWrite w : staged) {
            w.close();
        }
    }

    /**
     * Installs a finished temp file as {@code meta}, the version its staged write commits: fsyncs
     * and closes {@code ch} (the temp file's channel), and renames the file into place. When it
     * loses to what is stored, nothing changes.
     */
    Installed install(ObjectMeta meta, Path tmp, FileChannel ch) throws IOException {
        open.check();
        String name = meta.name();
        Entry cur = index.get(name);
        if (!Index.supersedes(meta, cur)) {
            return lost(cur);
        }
        byte[] encoded = MetaCodec.encode(meta);
        boolean inline = carrier.attach(tmp, encoded, name);
        try {
            ch.force(true);
            ch.close();
        } catch (IOException e) {
            throw Quota.noSpace(e, "syncing '" + name + "' to disk");
        }
        faults.at("commit.synced");
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            open.check();
            cur = index.get(name);
            if (!Index.supersedes(meta, cur)) {
                return lost(cur);
            }
            boolean created = cur == null || cur.meta().tombstone();
            if (inline) {
                installInline(tmp, meta, cur);
            } else {
                installWithIntent(tmp, meta, encoded);
            }
            return new Installed(new Committed(meta, created), true);
        } finally {
            l.unlock();
        }
    }

    private static Installed lost(Entry cur) {
        return new Installed(new Committed(cur.meta(), false), false);
    }

    /**
     * The one-fsync commit: the temp file already holds its metadata and is synced, so renaming
     * it into place and syncing the directory commits both. A metadata file left from an older
     * state (a tombstone, or metadata kept in a file) is removed afterwards; until then it loses
     * to the newer inline version at open, so that removal need not be durable.
     */
    private void installInline(Path tmp, ObjectMeta meta, Entry cur) throws IOException {
        String name = meta.name();
        layout.moveIntoPlace(tmp, name);
        // The index shows the new version only once the rename is durable.
        try {
            faults.at("commit.inline-renamed");
            layout.syncDataDir(name);
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

    /** The commit with an intent record, for metadata kept in a file (see the class comment). */
    private void installWithIntent(Path tmp, ObjectMeta meta, byte[] encoded) throws IOException {
        String name = meta.name();
        carrier.writeIntent(name, encoded, "the metadata of '" + name + "'");
        faults.at("commit.intent");
        try {
            layout.moveIntoPlace(tmp, name);
        } catch (IOException | RuntimeException e) {
            FileOps.deleteQuietly(layout.intent(name));
            throw e;
        }
        // The new bytes are visible now; from here on the intent on disk is what makes them whole.
        try {
            layout.syncDataDir(name);
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
        clock.observe(meta.version());
    }

    /** See {@link ObjectStore#delete(String, long, long, long)}. */
    ObjectMeta delete(String name, long version, long modifiedMillis, long untouchedSince) throws IOException {
        Path file = layout.dataFile(name);
        open.check();
        ObjectMeta tomb = tombstone(name, version, modifiedMillis);
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            open.check();
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
                layout.syncDataDir(name);
                faults.at("delete.unlinked");
                carrier.installIntent(name);
                layout.metaSync.sync();
            } catch (IOException | RuntimeException e) {
                // The file is gone; serve nothing, and let a reopen install the tombstone from the intent.
                index.put(new Entry(tomb));
                clock.observe(version);
                throw e;
            }
            index.put(new Entry(tomb));
            clock.observe(version);
            layout.removeEmptyParents(name);
            return tomb;
        } finally {
            l.unlock();
        }
    }

    private static ObjectMeta tombstone(String name, long version, long modifiedMillis) {
        return new ObjectMeta(name, ObjectNames.placementKey(name), 0, "", version, true, modifiedMillis,
                ObjectStore.BLOCK_SIZE, List.of());
    }

    /**
     * See {@link ObjectStore#forget}. Crash-safe: a marker {@code pending/<hash>.forget} holding
     * the metadata is made durable first; {@link Recovery} finishes what it describes.
     */
    boolean forget(String name, long version) throws IOException {
        Path file = layout.dataFile(name);
        open.check();
        ReentrantLock l = index.lockFor(name);
        l.lock();
        try {
            open.check();
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
                    layout.removeEmptyParents(name);
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
}
