package io.chordfs.core.ring;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of the objects a node stores, beyond the users' own names (which follow {@link NameRules}).
 *
 * <p>A chunk of a chunked file is stored as a <em>chunk object</em> of one upload: chunk
 * {@code <name>_chunk_<i>} of upload {@code u} is the object {@code .chordfs/up/<name>_chunk_<i>/u}.
 * An upload never writes over another upload's chunks, so the committed version stays whole until
 * a new manifest (which names its upload) replaces it. No user name can collide: a user's name
 * never starts with the reserved folder {@code .chordfs}. A chunk object is placed by the key of
 * its chunk name, so it lives where the chunk name says ({@link #placementKey}), and every
 * upload's copy of chunk i lives on the same replica set.
 */
public final class ObjectNames {
    /**
     * On the file port, with a chunk name in the path: the request is for that chunk of this
     * upload (PUT, GET, HEAD, DELETE), not for the committed file's.
     */
    public static final String UPLOAD_HEADER = "X-ChordFS-Upload";
    /** The prefix of every chunk object name. */
    public static final String UPLOAD_PREFIX = NameRules.RESERVED + "/up/";
    /** An upload id: 8 to 64 letters, digits, '-' or '_'. */
    private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{8,64}");
    private static final Pattern CHUNK = Pattern.compile("(.+)_chunk_([1-9][0-9]{0,9})");

    /** A chunk object: chunk {@code chunkName} ({@code <file>_chunk_<index>}) of upload {@code upload}. */
    public record ChunkObject(String chunkName, String upload) {
        public String objectName() {
            return UPLOAD_PREFIX + chunkName + "/" + upload;
        }

        /** The file this chunk belongs to. */
        public String file() {
            return chunkOf(chunkName).orElseThrow().file();
        }
    }

    /** A chunk name taken apart: chunk {@code index} (from 1) of {@code file}. */
    public record ChunkName(String file, int index) {}

    private ObjectNames() {}

    /** The chunk object of {@code chunkName} in {@code upload}; both are checked. */
    public static ChunkObject chunkObject(String chunkName, String upload) {
        if (chunkOf(chunkName).isEmpty()) {
            throw new IllegalArgumentException("'" + chunkName + "' is not a chunk name (<name>_chunk_<i>)");
        }
        Optional<String> p = NameRules.problem(chunkName);
        if (p.isPresent()) {
            throw new IllegalArgumentException(p.get());
        }
        if (!validUpload(upload)) {
            throw new IllegalArgumentException("'" + upload + "' is not an upload id (8 to 64 of A-Z a-z 0-9 - _)");
        }
        return new ChunkObject(chunkName, upload);
    }

    public static boolean validUpload(String upload) {
        return upload != null && UPLOAD_ID.matcher(upload).matches();
    }

    /** The chunk object an object name stands for, or empty for any other name. */
    public static Optional<ChunkObject> parse(String objectName) {
        if (objectName == null || !objectName.startsWith(UPLOAD_PREFIX)) {
            return Optional.empty();
        }
        int slash = objectName.lastIndexOf('/');
        if (slash < UPLOAD_PREFIX.length()) {
            return Optional.empty();
        }
        String chunk = objectName.substring(UPLOAD_PREFIX.length(), slash);
        String upload = objectName.substring(slash + 1);
        if (!validUpload(upload) || chunkOf(chunk).isEmpty() || NameRules.problem(chunk).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new ChunkObject(chunk, upload));
    }

    /** True for names the system makes (chunk objects), which listings hide unless asked. */
    public static boolean isInternal(String objectName) {
        return objectName.startsWith(NameRules.RESERVED + "/");
    }

    /** The file and index of a chunk name {@code <file>_chunk_<i>}, or empty when the name is not one. */
    public static Optional<ChunkName> chunkOf(String name) {
        Matcher m = CHUNK.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        long i = Long.parseLong(m.group(2));
        return i > Integer.MAX_VALUE ? Optional.empty() : Optional.of(new ChunkName(m.group(1), (int) i));
    }

    /**
     * Where the ring places an object: the key of its name, or for a chunk object the key of its
     * chunk name.
     */
    public static long placementKey(String objectName) {
        return parse(objectName).map(c -> Keys.key(c.chunkName())).orElseGet(() -> Keys.key(objectName));
    }
}
