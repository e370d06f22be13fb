package io.chordfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The upload id of a chunked upload in progress, kept in the user's cache folder
 * ({@code $XDG_CACHE_HOME/chordfs/uploads}, else {@code ~/.cache/chordfs/uploads}) until the upload
 * commits or is refused for good, so that running the same upload again after a kill reuses the
 * chunks already stored (they live under the upload id, see chord-core's ObjectNames). A run
 * resumes only when the file, its size, modification time, name and chunk size are unchanged;
 * otherwise it starts a new upload. Without a writable cache folder, uploads simply do not resume.
 */
final class UploadJournal {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path entry;
    private final String upload;
    private final boolean resumed;

    private UploadJournal(Path entry, String upload, boolean resumed) {
        this.entry = entry;
        this.upload = upload;
        this.resumed = resumed;
    }

    /** The upload of {@code file} as {@code name}: the one a killed run left, or a new one (recorded). */
    static UploadJournal open(Path file, String name, long size, long chunkSize) {
        Path abs = file.toAbsolutePath().normalize();
        long mtime;
        try {
            mtime = Files.getLastModifiedTime(abs).toMillis();
        } catch (IOException e) {
            mtime = -1;
        }
        Path entry = folder().resolve(hash(abs + "\0" + name) + ".json");
        try {
            JsonNode j = JSON.readTree(Files.readAllBytes(entry));
            if (j.path("file").asText().equals(abs.toString()) && j.path("name").asText().equals(name)
                    && j.path("size").asLong() == size && j.path("mtime").asLong() == mtime
                    && j.path("chunk_size").asLong() == chunkSize && io.chordfs.core.ring.ObjectNames.validUpload(
                    j.path("upload").asText())) {
                return new UploadJournal(entry, j.path("upload").asText(), true);
            }
        } catch (IOException | RuntimeException noneOrUnreadable) {
            // a new upload
        }
        String upload = newUpload();
        ObjectNode j = JSON.createObjectNode().put("file", abs.toString()).put("name", name).put("size", size)
                .put("mtime", mtime).put("chunk_size", chunkSize).put("upload", upload);
        try {
            Files.createDirectories(entry.getParent());
            Path tmp = entry.resolveSibling(entry.getFileName() + ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(j));
            Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            return new UploadJournal(null, upload, false); // no cache folder: this upload cannot resume
        }
        return new UploadJournal(entry, upload, false);
    }

    /** A fresh upload id. */
    static String newUpload() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    String upload() {
        return upload;
    }

    /** Whether a killed run of the same upload left this id. */
    boolean resumed() {
        return resumed;
    }

    /** The upload is over (committed, or refused for good): a later run starts afresh. */
    void close() {
        if (entry != null) {
            try {
                Files.deleteIfExists(entry);
            } catch (IOException e) {
                // a stale entry only makes a later run look for chunks that are gone
            }
        }
    }

    private static Path folder() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("chordfs").resolve("uploads");
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
