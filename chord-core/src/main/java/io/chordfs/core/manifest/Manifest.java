package io.chordfs.core.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.ring.ObjectNames;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The manifest of a chunked file, stored under the file's own name as the commit point of an
 * upload. fs-client writes and reads it and node-daemon reads it to serve the assembled file,
 * so the format and its rules are defined here for both. JSON whose first key is
 * {@code "chordfs_manifest":1}, written with no whitespace, so a stored object is recognised as a
 * manifest by its first bytes, {@link #MAGIC}:
 * <pre>{"chordfs_manifest":1,"name":"f","upload":"u","size":N,"chunk_size":C,"chunks":[{"name":"f_chunk_1","size":C,"sha256":"…"},…],"sha256":"…","created":"2026-…Z"}</pre>
 * {@code upload} names the upload whose chunk objects hold the chunks (see
 * {@link ObjectNames}): chunk i of this version is the object {@link #chunkObject(int)}, which no
 * other upload writes, so a manifest always reads the bytes it was committed with. A manifest
 * without {@code upload} (written before uploads had ids) reads its chunks under their chunk
 * names themselves.
 * A plain (unchunked) object whose bytes happen to start with the magic and parse as a valid
 * manifest is read as one: an accepted, documented ambiguity.
 */
public record Manifest(String name, long size, long chunkSize, List<Chunk> chunks, String sha256, String created,
                       String upload) {
    /** ASCII, so its {@code length()} is its length in bytes. */
    public static final String MAGIC = "{\"chordfs_manifest\":";
    /** Request header (value 1) asking a node for the stored bytes of a name: the manifest, not the assembled file. */
    public static final String RAW_HEADER = "X-ChordFS-Raw";
    private static final byte[] MAGIC_BYTES = MAGIC.getBytes(StandardCharsets.US_ASCII);
    /**
     * A manifest is never larger than this: nodes read objects up to this size into memory to
     * recognise manifests (node-daemon's ChunkedFiles), so fs-client never writes a larger one.
     */
    public static final long MAX_BYTES = 1L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Chunk(String name, long size, String sha256) {}

    public Manifest {
        chunks = List.copyOf(chunks);
        upload = upload == null ? "" : upload;
    }

    /** The object that holds chunk {@code i} (0-based) of this version. */
    public String chunkObject(int i) {
        String chunk = chunks.get(i).name();
        return upload.isEmpty() ? chunk : ObjectNames.chunkObject(chunk, upload).objectName();
    }

    public static String chunkName(String name, int i) {
        return name + "_chunk_" + i;
    }

    /** The most chunks a manifest for {@code name} can list within {@link #MAX_BYTES} (a safe bound). */
    public static long maxChunks(String name) {
        long nb = 2L * name.getBytes(StandardCharsets.UTF_8).length; // JSON escaping at most doubles it
        return (MAX_BYTES - nb - 400) / (nb + 150);
    }

    /** Offset of chunk {@code i} (0-based) in the file. */
    public long offset(int i) {
        return i * chunkSize;
    }

    /** Whether the first {@code len} bytes of {@code head} start with {@link #MAGIC}. */
    public static boolean hasMagic(byte[] head, int len) {
        if (len < MAGIC_BYTES.length) {
            return false;
        }
        for (int i = 0; i < MAGIC_BYTES.length; i++) {
            if (head[i] != MAGIC_BYTES[i]) {
                return false;
            }
        }
        return true;
    }

    public byte[] toJson() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeNumberField("chordfs_manifest", 1);
                g.writeStringField("name", name);
                if (!upload.isEmpty()) {
                    g.writeStringField("upload", upload);
                }
                g.writeNumberField("size", size);
                g.writeNumberField("chunk_size", chunkSize);
                g.writeArrayFieldStart("chunks");
                for (Chunk c : chunks) {
                    g.writeStartObject();
                    g.writeStringField("name", c.name());
                    g.writeNumberField("size", c.size());
                    g.writeStringField("sha256", c.sha256());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeStringField("sha256", sha256);
                g.writeStringField("created", created);
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses and checks a manifest: it starts with {@link #MAGIC}, is JSON with
     * {@code "chordfs_manifest":1}, a textual name and sha256, size at least 0 and chunk_size at
     * least 1; chunk names are {@code <name>_chunk_<i>} with i from 1, every chunk is at most and
     * every chunk but the last exactly chunk_size, each chunk's sha256 has 64 characters, and
     * chunk sizes add up to the size. Throws IOException otherwise.
     */
    public static Manifest parse(byte[] bytes) throws IOException {
        if (!hasMagic(bytes, bytes.length)) {
            throw new IOException("not a manifest");
        }
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IOException("bad manifest: " + e.getMessage());
        }
        if (n == null || n.path("chordfs_manifest").asInt() != 1 || !n.path("chunks").isArray()
                || !n.path("name").isTextual() || !n.path("sha256").isTextual()) {
            throw new IOException("bad manifest: missing or unsupported fields");
        }
        String name = n.get("name").asText();
        String upload = n.path("upload").asText("");
        if (!upload.isEmpty() && !ObjectNames.validUpload(upload)) {
            throw new IOException("bad manifest: upload id");
        }
        long size = n.path("size").asLong(-1);
        long chunkSize = n.path("chunk_size").asLong(-1);
        if (size < 0 || chunkSize < 1) {
            throw new IOException("bad manifest: size or chunk_size");
        }
        List<Chunk> chunks = new ArrayList<>();
        long total = 0;
        int i = 0;
        for (JsonNode c : n.get("chunks")) {
            i++;
            Chunk ch = new Chunk(c.path("name").asText(), c.path("size").asLong(-1), c.path("sha256").asText());
            if (!ch.name().equals(chunkName(name, i)) || ch.size() < 0 || ch.size() > chunkSize
                    || ch.sha256().length() != 64) {
                throw new IOException("bad manifest: chunk " + i);
            }
            chunks.add(ch);
            total += ch.size();
        }
        for (int k = 0; k + 1 < chunks.size(); k++) {
            if (chunks.get(k).size() != chunkSize) {
                throw new IOException("bad manifest: chunk " + (k + 1) + " is not chunk_size long");
            }
        }
        if (total != size) {
            throw new IOException("bad manifest: chunks add up to " + total + ", not " + size);
        }
        return new Manifest(name, size, chunkSize, chunks, n.get("sha256").asText(), n.path("created").asText(""), upload);
    }
}
