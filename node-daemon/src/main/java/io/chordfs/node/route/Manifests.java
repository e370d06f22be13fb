package io.chordfs.node.route;

import io.chordfs.core.manifest.Manifest;
import io.chordfs.node.store.ObjectSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * Reading manifests as the nodes recognise them: an object of at most {@link Manifest#MAX_BYTES}
 * that {@link Manifest#parse} accepts and that names the file it is stored under.
 */
public final class Manifests {
    private Manifests() {}

    /** The committed manifest of {@code file}, read through {@code router}; empty when it is absent or not one. */
    public static Optional<Manifest> read(ObjectRouter router, String file) throws IOException {
        Optional<ObjectSource> src = router.open(file);
        if (src.isEmpty()) {
            return Optional.empty();
        }
        try (ObjectSource s = src.get()) {
            return read(s, file);
        }
    }

    /** The manifest {@code src} holds, read whole when it is small enough to be one. */
    public static Optional<Manifest> read(ObjectSource src, String file) throws IOException {
        long size = src.meta().size();
        if (size < Manifest.MAGIC.length() || size > Manifest.MAX_BYTES) {
            return Optional.empty();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        src.copyTo(out, 0, size);
        return parse(file, out.toByteArray());
    }

    /** {@code bytes} as the manifest of {@code file}, or empty. */
    public static Optional<Manifest> parse(String file, byte[] bytes) {
        if (!Manifest.hasMagic(bytes, bytes.length)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Manifest.parse(bytes)).filter(m -> m.name().equals(file));
        } catch (IOException notAManifest) {
            return Optional.empty();
        }
    }
}
