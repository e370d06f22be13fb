package io.chordfs.node.store;

import io.chordfs.core.ring.NameRules;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.store.Index.Entry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Opening a store: rebuilds the index from what is on the disk, after a clean stop or a crash.
 * {@link #run} installs every intent whose visible state matches it (data file of the intent's
 * size and SHA-256, or no data file for a tombstone) and that is not older than the installed
 * metadata: the crash came after the rename of the data file. Every other intent is discarded:
 * the crash came before it, and the old version is still complete. It finishes interrupted
 * {@linkplain ObjectStore#forget forgets}, and deletes everything in {@code tmp/}. So a crash at
 * any point leaves the old or the new version complete and visible, never a partial one, and no
 * leftovers. (Intents are written in place, not renamed: a torn intent can only exist before its
 * fsync, hence before the rename, and is discarded as unreadable.)
 *
 * <p>The index comes from {@code meta/} and the data files' attributes, without hashing the data
 * (where a name has both, the newer wins, by {@link Index#supersedes}); each live object's file
 * must exist with the recorded size (otherwise: unservable, WARNING). Regular files in the data
 * directory that have no metadata (or an attribute naming another name: a file renamed by hand),
 * or only a tombstone (a file copied in by hand), are <em>adopted</em>: hashed, given a version
 * from the file's modification time (see {@link #adoptedVersion}), and committed like any other
 * object. Files whose names break the {@linkplain Names name rules} or are not valid UTF-8,
 * directories and symbolic links are left alone (a WARNING at each open) and never served. One
 * INFO line reports what recovery did. The JVM must run with a UTF-8 locale (LANG=C.UTF-8) to
 * store non-ASCII names; a WARNING says so if not.
 */
final class Recovery {
    private final Layout layout;
    private final MetaCarrier carrier;
    private final Index index;
    private final VersionClock clock;

    Recovery(Layout layout, MetaCarrier carrier, Index index, VersionClock clock) {
        this.layout = layout;
        this.carrier = carrier;
        this.index = index;
        this.clock = clock;
    }

    void run() throws IOException {
        String jnu = System.getProperty("sun.jnu.encoding", "");
        if (!jnu.equalsIgnoreCase("UTF-8")) {
            ObjectStore.LOG.log(System.Logger.Level.WARNING, "file names are encoded as {0}, not UTF-8 (set LANG=C.UTF-8): "
                    + "names outside that charset cannot be stored", jnu);
        }
        int badMeta = loadMetadata();
        int recovered = 0;
        int discarded = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.pending)) {
            for (Path p : ds) {
                if (resolveIntent(p)) {
                    recovered++;
                } else {
                    discarded++;
                }
            }
        }
        if (recovered + discarded > 0) {
            FileOps.fsyncDir(layout.meta);
            FileOps.fsyncDir(layout.pending);
        }
        int temps = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.tmp)) {
            for (Path p : ds) {
                deleteTree(p);
                temps++;
            }
        }
        if (temps > 0) {
            FileOps.fsyncDir(layout.tmp);
        }
        int ignored = 0;
        Map<Path, BasicFileAttributes> toAdopt = new LinkedHashMap<>();
        // Each file is looked at once; the checks below reuse what the scan saw.
        Map<String, BasicFileAttributes> seen = new HashMap<>();
        for (Path p : dataFiles()) {
            String name = layout.data.relativize(p).toString();
            Entry e = index.get(name);
            BasicFileAttributes a = attributes(p);
            if (a != null && p.equals(layout.data.resolve(name))) {
                seen.put(name, a);
            }
            String why = null;
            if (e == null) {
                try {
                    Names.check(name);
                } catch (BadNameException ex) {
                    why = ex.getMessage();
                }
                if (why == null && !p.equals(layout.data.resolve(name))) {
                    why = "its file name is not valid UTF-8";
                }
            }
            if (why == null && (a == null || !a.isRegularFile())) {
                if (e != null) {
                    continue; // reported below, against its metadata
                }
                why = "not a regular file";
            }
            if (why != null) {
                ObjectStore.LOG.log(System.Logger.Level.WARNING, "ignoring ''{0}'' in {1}: {2}", name, layout.data, why);
                ignored++;
                continue;
            }
            ObjectMeta inline = MetaCarrier.readAttached(p, name);
            if (inline != null && Index.supersedes(inline, e)) {
                index.put(new Entry(inline));
                if (e != null) {
                    Files.deleteIfExists(layout.metaFile(name)); // older than the file's own
                }
            } else if (e == null || e.meta().tombstone()) {
                toAdopt.put(p, a); // copied in by hand, maybe over a tombstone
            }
        }
        int strays = recoverChunkObjects(seen);
        long maxVersion = 0;
        int corrupt = 0;
        for (Entry e : index.entries()) {
            ObjectMeta m = e.meta();
            maxVersion = Math.max(maxVersion, m.version());
            if (m.tombstone()) {
                continue;
            }
            BasicFileAttributes a = seen.get(m.name());
            String why = null;
            if (a == null) {
                why = "its data file is missing";
            } else if (!a.isRegularFile()) {
                why = "its data file is not a regular file";
            } else if (a.size() != m.size()) {
                why = "its data file has " + a.size() + " bytes, the metadata says " + m.size();
            }
            if (why != null) {
                index.unservable(m, why);
                corrupt++;
            }
        }
        clock.observe(maxVersion);
        for (Map.Entry<Path, BasicFileAttributes> found : toAdopt.entrySet()) {
            Path p = found.getKey();
            String name = layout.data.relativize(p).toString();
            long mtime = found.getValue().lastModifiedTime().toMillis();
            Entry tomb = index.get(name);
            MetaCarrier.detach(p);
            ObjectMeta m = describe(p, name, adoptedVersion(mtime, clock.wallMillis(), tomb), mtime);
            clock.observe(m.version());
            FileOps.writeDurably(layout.intent(name), MetaCodec.encode(m));
            carrier.installIntent(name);
            index.put(new Entry(m));
        }
        int adopted = toAdopt.size();
        if (adopted > 0) {
            FileOps.fsyncDir(layout.meta);
        }
        int tombstones = 0;
        for (Entry e : index.entries()) {
            if (e.meta().tombstone()) {
                tombstones++;
            }
        }
        ObjectStore.LOG.log(System.Logger.Level.INFO, "opened object store {0}: {1} objects ({2} tombstones, {3} bytes); "
                        + "recovered {4} interrupted commits, discarded {5}, removed {6} temp files and {12} stray chunk files, "
                        + "adopted {7} files, {8} corrupt, {9} unreadable metadata files, {10} files ignored; new metadata goes {11}",
                layout.data, index.size(), tombstones, Long.toString(index.liveBytes()), recovered, discarded, temps, adopted, corrupt,
                badMeta, ignored, carrier.inline() ? "on the data files (extended attributes)" : "to .chordfs/meta", strays);
    }

    /**
     * Indexes the chunk objects in {@code .chordfs/up/}: each file carries its metadata (or has it
     * in {@code meta/}), naming the object whose hash is its file name. A file that carries none
     * is a leftover no upload can claim (nothing adopts it: its name is not on it) and is removed.
     * Records what it saw in {@code seen}; returns how many files it removed.
     */
    private int recoverChunkObjects(Map<String, BasicFileAttributes> seen) throws IOException {
        Map<Path, String> expected = new HashMap<>();
        for (Entry e : index.entries()) {
            String name = e.meta().name();
            if (ObjectNames.isInternal(name)) {
                expected.put(layout.dataFile(name), name);
            }
        }
        int strays = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.up)) {
            for (Path p : ds) {
                BasicFileAttributes a = attributes(p);
                ObjectMeta inline = a != null && a.isRegularFile() ? MetaCarrier.readAttached(p, null) : null;
                String name = inline != null ? inline.name() : expected.get(p);
                if (inline != null && (ObjectNames.parse(name).isEmpty() || !layout.dataFile(name).equals(p))) {
                    name = null;
                }
                if (name == null) {
                    ObjectStore.LOG.log(System.Logger.Level.WARNING, "removing {0}: no chunk object claims it", p);
                    deleteTree(p);
                    strays++;
                    continue;
                }
                seen.put(name, a);
                Entry e = index.get(name);
                if (inline != null && Index.supersedes(inline, e)) {
                    index.put(new Entry(inline));
                    if (e != null) {
                        Files.deleteIfExists(layout.metaFile(name));
                    }
                }
            }
        }
        if (strays > 0) {
            FileOps.fsyncDir(layout.up);
        }
        return strays;
    }

    /**
     * The version of an adopted file: its modification time on the version clock (not now), so a
     * stale copy brought back without its metadata (say by {@code rsync} without {@code -X})
     * loses to newer versions elsewhere, while a file just copied in wins; above a tombstone here,
     * since putting the file there came after the delete.
     */
    static long adoptedVersion(long mtimeMillis, long nowMillis, Entry tombstone) {
        long v = Math.max(1, Math.min(mtimeMillis, nowMillis)) << 16;
        return tombstone == null ? v : Math.max(v, tombstone.meta().version() + 1);
    }

    /** Loads every metadata file into the index; moves unreadable ones to .chordfs/bad. Returns how many were bad. */
    private int loadMetadata() throws IOException {
        int bad = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.meta)) {
            for (Path p : ds) {
                String why;
                try {
                    ObjectMeta m = MetaCarrier.readRecord(p);
                    Names.checkObject(m.name());
                    if (p.equals(layout.metaFile(m.name()))) {
                        index.put(new Entry(m));
                        continue;
                    }
                    why = "it belongs to '" + m.name() + "' but has the wrong file name";
                } catch (IOException | BadNameException e) {
                    why = e.getMessage();
                }
                bad++;
                Files.createDirectories(layout.bad);
                Path to = layout.bad.resolve(p.getFileName() + "." + clock.wallMillis());
                ObjectStore.LOG.log(System.Logger.Level.WARNING, "unreadable metadata file {0} ({1}); moved to {2}", p, why, to);
                Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return bad;
    }

    /** Installs or discards one intent record (see the class comment). True when installed. */
    private boolean resolveIntent(Path p) throws IOException {
        if (p.getFileName().toString().endsWith(Layout.FORGET_SUFFIX)) {
            return finishForget(p);
        }
        ObjectMeta intent;
        try {
            intent = MetaCarrier.readRecord(p);
            Names.checkObject(intent.name());
        } catch (IOException | BadNameException e) {
            Files.deleteIfExists(p);
            return false;
        }
        Entry cur = index.get(intent.name());
        boolean install = p.equals(layout.intent(intent.name()))
                && (cur == null || intent.version() >= cur.meta().version())
                && visibleMatches(intent);
        if (!install) {
            Files.delete(p);
            return false;
        }
        carrier.installIntent(intent.name());
        index.put(new Entry(intent));
        return true;
    }

    /**
     * Finishes an interrupted {@link #forget}: removes the metadata file if it is no newer than
     * the forgotten version, deletes the data file if it is that version (same size and SHA-256),
     * then the marker. A marker that cannot be read, or whose name has newer metadata, only loses
     * the marker. Always counts as recovered.
     */
    private boolean finishForget(Path marker) throws IOException {
        try {
            ObjectMeta m = MetaCarrier.readRecord(marker);
            Names.check(m.name());
            if (marker.equals(layout.forgetMarker(m.name()))) {
                Entry e = index.get(m.name());
                if (e != null && e.meta().version() <= m.version()) {
                    Files.deleteIfExists(layout.metaFile(m.name()));
                    index.remove(m.name());
                }
                Path file = layout.dataFile(m.name());
                ObjectMeta onFile = MetaCarrier.readAttached(file, m.name());
                if (!index.contains(m.name()) && !m.tombstone()
                        && (onFile == null || onFile.version() <= m.version()) && visibleMatches(m)) {
                    Files.deleteIfExists(file);
                    FileOps.fsyncDir(file.getParent());
                }
            }
        } catch (IOException | BadNameException e) {
            ObjectStore.LOG.log(System.Logger.Level.WARNING, "unreadable marker {0} ({1}); removed", marker, e.getMessage());
        }
        Files.deleteIfExists(marker);
        return true;
    }

    private boolean visibleMatches(ObjectMeta intent) throws IOException {
        Path f = layout.dataFile(intent.name());
        BasicFileAttributes a = attributes(f);
        if (intent.tombstone()) {
            return a == null;
        }
        if (a == null || !a.isRegularFile() || a.size() != intent.size()) {
            return false;
        }
        return describe(f, intent.name(), 0, 0).sha256().equals(intent.sha256());
    }

    /** Reads a file and computes its metadata (size, SHA-256, block CRC32Cs) for the given version. */
    static ObjectMeta describe(Path file, String name, long version, long modifiedMillis) throws IOException {
        MessageDigest sha = Sha256.digest();
        List<Long> crcs = new ArrayList<>();
        long size = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.allocate(ObjectStore.BLOCK_SIZE);
            CRC32C crc = new CRC32C();
            while (true) {
                buf.clear();
                while (buf.hasRemaining() && ch.read(buf) >= 0) {
                    // fill the block
                }
                int n = buf.position();
                if (n == 0) {
                    break;
                }
                sha.update(buf.array(), 0, n);
                crc.reset();
                crc.update(buf.array(), 0, n);
                crcs.add(crc.getValue());
                size += n;
                if (n < ObjectStore.BLOCK_SIZE) {
                    break;
                }
            }
        }
        return new ObjectMeta(name, ObjectNames.placementKey(name), size, Sha256.hex(sha.digest()), version, false, modifiedMillis,
                ObjectStore.BLOCK_SIZE, crcs);
    }


    private static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Every entry under the data directory but its folders (walked into) and the hidden
     * {@code .chordfs} folder; an empty folder, left by a crash between a delete and its folder's
     * removal, is removed.
     */
    private List<Path> dataFiles() throws IOException {
        List<Path> found = new ArrayList<>();
        walk(layout.data, found);
        return found;
    }

    private void walk(Path dir, List<Path> found) throws IOException {
        boolean empty = true;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                empty = false;
                if (dir.equals(layout.data) && p.getFileName().toString().equals(NameRules.RESERVED)) {
                    continue;
                }
                BasicFileAttributes a = attributes(p);
                if (a != null && a.isDirectory()) {
                    walk(p, found);
                } else {
                    found.add(p);
                }
            }
        }
        if (empty && !dir.equals(layout.data)) {
            Files.deleteIfExists(dir);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        BasicFileAttributes a = attributes(p);
        if (a != null && a.isDirectory()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) {
                    deleteTree(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
