package io.chordfs.node.store;

import io.chordfs.core.ring.NameRules;
import io.chordfs.core.ring.ObjectNames;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the store keeps what, under its data directory:
 * <pre>
 * &lt;data&gt;/&lt;name&gt;                          the object's bytes under its own name, so {@code ls} shows the files, and
 *                                        (usually) its metadata in an extended attribute ({@link MetaCarrier})
 * &lt;data&gt;/.chordfs/up/&lt;sha256(name)&gt;        the bytes of a chunk object ({@link ObjectNames}), likewise
 * &lt;data&gt;/.chordfs/lock                    held with an OS file lock while a store is open (one process per directory)
 * &lt;data&gt;/.chordfs/meta/&lt;sha256(name)&gt;.json  metadata kept in a file ({@link MetaCarrier}; the JSON holds the real
 *                                        name; the file name is hashed because a 255-byte name plus a suffix can
 *                                        exceed NAME_MAX)
 * &lt;data&gt;/.chordfs/pending/&lt;sha256(name)&gt;.json  intent record of a commit or delete in progress (same format)
 * &lt;data&gt;/.chordfs/pending/&lt;sha256(name)&gt;.forget  metadata of a copy being dropped by {@link ObjectStore#forget}
 * &lt;data&gt;/.chordfs/tmp/*.part             uploads being received
 * &lt;data&gt;/.chordfs/bad/                     unreadable metadata files moved aside at open (kept for inspection)
 * </pre>
 * Each directory has its {@link GroupSync}, so concurrent commits share their directory fsyncs.
 */
final class Layout {
    static final String META_DIR = "meta";
    static final String TMP_DIR = "tmp";
    static final String PENDING_DIR = "pending";
    static final String BAD_DIR = "bad";
    static final String UP_DIR = "up";
    static final String LOCK_FILE = "lock";
    static final String FORGET_SUFFIX = ".forget";

    /** One digest a thread for metadata file names: looking up the provider costs more than hashing a name. */
    private static final ThreadLocal<MessageDigest> NAME_DIGEST = ThreadLocal.withInitial(Sha256::digest);

    final Path data;
    final Path sys;
    final Path meta;
    final Path tmp;
    final Path pending;
    final Path up;
    final Path bad;
    final GroupSync dataSync;
    final GroupSync upSync;
    final GroupSync metaSync;
    final GroupSync pendingSync;
    private final AtomicLong tempCounter = new AtomicLong();

    /** The layout under {@code data} (absolute and normalized), its directories created. */
    Layout(Path data) throws IOException {
        this.data = data;
        this.sys = data.resolve(NameRules.RESERVED);
        this.meta = sys.resolve(META_DIR);
        this.tmp = sys.resolve(TMP_DIR);
        this.pending = sys.resolve(PENDING_DIR);
        this.up = sys.resolve(UP_DIR);
        this.bad = sys.resolve(BAD_DIR);
        this.dataSync = new GroupSync(data);
        this.upSync = new GroupSync(up);
        this.metaSync = new GroupSync(meta);
        this.pendingSync = new GroupSync(pending);
        Files.createDirectories(meta);
        Files.createDirectories(tmp);
        Files.createDirectories(pending);
        Files.createDirectories(up);
    }

    /**
     * Takes the directory's lock file with an OS lock, so one store at a time uses it; the lock
     * lasts until the returned channel is closed.
     */
    FileChannel lock() throws IOException {
        FileChannel ch = FileChannel.open(sys.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            throw new IOException("the data directory " + data + " is in use by another object store");
        }
        return ch;
    }

    /**
     * Where an object's bytes live, after checking its name: a user's name {@code a/b/c.txt} as
     * that path under the data directory (never outside it), a chunk object in
     * {@code .chordfs/up/} under a hash of its name.
     */
    Path dataFile(String name) {
        if (Names.checkObject(name).isPresent()) {
            return up.resolve(hashedName(name));
        }
        Path p;
        try {
            p = data.resolve(name);
        } catch (InvalidPathException e) {
            throw new BadNameException("'" + name + "' cannot be a file name here (" + e.getMessage()
                    + "); the node needs a UTF-8 locale");
        }
        if (!p.startsWith(data) || !data.relativize(p).toString().equals(name)) {
            throw new BadNameException("'" + name + "' is not a file name here");
        }
        return p;
    }

    /**
     * Makes a rename or unlink of {@code name}'s data file durable: one group fsync for the folders
     * most files live in, a plain fsync of a nested folder.
     */
    void syncDataDir(String name) throws IOException {
        if (ObjectNames.isInternal(name)) {
            upSync.sync();
            return;
        }
        Path parent = dataFile(name).getParent();
        if (parent.equals(data)) {
            dataSync.sync();
        } else {
            FileOps.fsyncDir(parent);
        }
    }

    /**
     * Creates the folders {@code name}'s data file goes in, each made durable in its parent. A
     * delete may remove an empty folder meanwhile; callers retry on {@link NoSuchFileException}.
     */
    void makeParents(String name) throws IOException {
        Path parent = dataFile(name).getParent();
        if (ObjectNames.isInternal(name) || parent.equals(data)) {
            return;
        }
        Path dir = data;
        for (Path component : data.relativize(parent)) {
            dir = dir.resolve(component);
            try {
                Files.createDirectory(dir);
                FileOps.fsyncDir(dir.getParent());
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ConflictException("'" + name + "' needs '" + data.relativize(dir) + "' as a folder, "
                            + "but a file has that name");
                }
            }
        }
    }

    /**
     * Removes the folders above {@code name}'s data file that are now empty, deepest first, so a
     * delete leaves no empty folder behind. A write that just put a file there wins: its folder is
     * not empty, and one removed under it makes the write retry.
     */
    void removeEmptyParents(String name) {
        if (ObjectNames.isInternal(name)) {
            return;
        }
        for (Path dir = dataFile(name).getParent(); !dir.equals(data); dir = dir.getParent()) {
            try {
                Files.delete(dir);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                return; // not empty (DirectoryNotEmptyException) or not ours to remove
            }
        }
    }

    Path metaFile(String name) {
        return meta.resolve(metaFileName(name));
    }

    Path intent(String name) {
        return pending.resolve(metaFileName(name));
    }

    Path forgetMarker(String name) {
        return pending.resolve(forgetFileName(name));
    }

    /**
     * Renames a finished temp file to {@code name}'s data file, creating its folders first; a
     * folder a concurrent delete removed in between is made again (a few times, then it fails).
     */
    void moveIntoPlace(Path tmp, String name) throws IOException {
        if (Files.isDirectory(dataFile(name), LinkOption.NOFOLLOW_LINKS)) {
            throw new ConflictException("'" + name + "' is a folder here; a file cannot take its name");
        }
        for (int attempt = 1; ; attempt++) {
            makeParents(name);
            try {
                Files.move(tmp, dataFile(name), StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (NoSuchFileException e) {
                if (attempt == 8 || !Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
            }
        }
    }

    /** A new name for a temp file; the caller creates it exclusively and asks again if it exists. */
    Path newTempFile() {
        return tmp.resolve(Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE)
                + "-" + tempCounter.incrementAndGet() + ".part");
    }

    /** The metadata file name of an object: hex SHA-256 of its UTF-8 name, plus ".json". */
    static String metaFileName(String name) {
        return hashedName(name) + ".json";
    }

    static String forgetFileName(String name) {
        return hashedName(name) + FORGET_SUFFIX;
    }

    /** Hex SHA-256 of a name's UTF-8 bytes: a file name of fixed length for any object name. */
    private static String hashedName(String name) {
        return Sha256.hex(NAME_DIGEST.get().digest(name.getBytes(StandardCharsets.UTF_8)));
    }
}
