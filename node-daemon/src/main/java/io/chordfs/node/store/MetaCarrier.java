package io.chordfs.node.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where an object's metadata ({@link MetaCodec}) is kept. Usually on its data file, in the
 * extended attribute {@code user.chordfs.meta}: the file is then self-describing, and one fsync
 * and one rename commit bytes and metadata together. In a file {@code meta/<hash>.json}
 * ({@link Layout}), installed through an intent record in {@code pending/}, for tombstones (they
 * have no data file), for metadata over {@link #MAX_INLINE} bytes, and for everything where the
 * file system keeps no user extended attributes (probed once at open).
 */
final class MetaCarrier {
    /** The extended attribute ({@code user.chordfs.meta}) that holds an object's metadata on its data file. */
    static final String XATTR = "chordfs.meta";
    /**
     * Larger metadata (objects of more than about 150 blocks) goes to a file: ext4 keeps all of a
     * file's extended attributes in one block, and this leaves room in it.
     */
    static final int MAX_INLINE = 2048;

    private final Layout layout;
    /** Whether this file system keeps our extended attribute. */
    private final boolean inline;
    /** Test hook: metadata longer than this goes to a file (0: all of it, as without extended attributes). */
    volatile int inlineLimit = MAX_INLINE;

    MetaCarrier(Layout layout) {
        this.layout = layout;
        this.inline = attributesWork(layout.tmp);
    }

    /** True when new objects carry their metadata in an extended attribute. */
    boolean inline() {
        return inline;
    }

    /**
     * Puts the encoded metadata of {@code name} on its not yet synced {@code file}, if it goes
     * there, so the file's one fsync makes both durable. False when it goes to a file instead
     * (too long, or refused by the file system); a full disk is a {@link StoreFullException}.
     */
    boolean attach(Path file, byte[] encoded, String name) throws IOException {
        if (!inline || encoded.length > inlineLimit) {
            return false;
        }
        try {
            writeAttribute(file, encoded);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            if (Quota.isNoSpace(e)) {
                throw Quota.noSpace(e, "writing the metadata of '" + name + "'");
            }
            return false;
        }
    }

    static void writeAttribute(Path file, byte[] encoded) throws IOException {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (v == null) {
            throw new UnsupportedOperationException("no user extended attributes on " + file);
        }
        v.write(XATTR, ByteBuffer.wrap(encoded));
    }

    /**
     * The metadata a data file carries in its extended attribute, or null when it carries none
     * that is valid for {@code name} (never written, unreadable, or a file renamed by hand; any
     * name when {@code name} is null); the last two are logged.
     */
    static ObjectMeta readAttached(Path file, String name) {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (v == null) {
            return null;
        }
        try {
            if (!v.list().contains(XATTR)) {
                return null;
            }
        } catch (IOException | UnsupportedOperationException e) {
            return null; // no extended attributes on this file system
        }
        ByteBuffer b = ByteBuffer.allocate(MAX_INLINE); // a longer value was never written here: it fails to read
        try {
            v.read(XATTR, b);
        } catch (IOException | UnsupportedOperationException e) {
            ObjectStore.LOG.log(System.Logger.Level.WARNING, "unreadable metadata attribute on ''{0}'' ({1}); the file is adopted anew",
                    name != null ? name : file, e.getMessage());
            return null;
        }
        String why;
        try {
            ObjectMeta m = MetaCodec.decode(Arrays.copyOf(b.array(), b.position()));
            if ((name == null || m.name().equals(name)) && !m.tombstone()) {
                return m;
            }
            why = "it describes '" + m.name() + "'" + (m.tombstone() ? " as deleted" : "");
        } catch (IOException e) {
            why = e.getMessage();
        }
        ObjectStore.LOG.log(System.Logger.Level.WARNING, "the metadata attribute on ''{0}'' does not fit it ({1}); the file is adopted anew",
                name != null ? name : file, why);
        return null;
    }

    /** Removes a metadata attribute that does not describe the file (so it is not reported at every open). */
    static void detach(Path file) {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        try {
            if (v != null && v.list().contains(XATTR)) {
                v.delete(XATTR);
            }
        } catch (IOException | UnsupportedOperationException e) {
            ObjectStore.LOG.log(System.Logger.Level.WARNING, "could not remove the stale metadata attribute of {0}: {1}", file, e.toString());
        }
    }

    /** Reads a metadata file, intent record or forget marker; any defect is an IOException. */
    static ObjectMeta readRecord(Path p) throws IOException {
        return MetaCodec.decode(Files.readAllBytes(p));
    }

    /**
     * Writes the intent record of {@code name} and syncs {@code pending/}; on failure nothing of
     * it is left. {@code what} names the record in the error.
     */
    void writeIntent(String name, byte[] encoded, String what) throws IOException {
        Path intent = layout.intent(name);
        try {
            FileOps.writeDurably(intent, encoded);
            layout.pendingSync.sync();
        } catch (IOException | RuntimeException e) {
            FileOps.deleteQuietly(intent);
            throw Quota.noSpace(e, "writing " + what);
        }
    }

    /** Renames the intent record of {@code name} over its metadata file; durable once {@code meta/} is synced. */
    void installIntent(String name) throws IOException {
        Files.move(layout.intent(name), layout.metaFile(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether an extended attribute of the size metadata may take can be written in {@code dir}. */
    private static boolean attributesWork(Path dir) {
        Path probe = dir.resolve("xattr-probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        try {
            Files.createFile(probe);
            writeAttribute(probe, new byte[MAX_INLINE]);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            ObjectStore.LOG.log(System.Logger.Level.INFO, "{0} keeps no extended attribute of {1} bytes ({2}); metadata goes to files",
                    dir, MAX_INLINE, e.toString());
            return false;
        } finally {
            FileOps.deleteQuietly(probe);
        }
    }
}
