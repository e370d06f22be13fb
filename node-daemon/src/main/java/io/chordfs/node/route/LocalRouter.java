package io.chordfs.node.route;

import io.chordfs.node.store.Committed;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

/**
 * Every name lives here: commits, reads and deletes go straight to the local store. The ring
 * router uses it for the names this node owns; alone it serves a single node (and the tests).
 */
public final class LocalRouter implements ObjectRouter {
    private final ObjectStore store;

    public LocalRouter(ObjectStore store) {
        this.store = store;
    }

    /** Commits as a new version ({@link ObjectStore#nextVersion()}), modified now. */
    @Override
    public Committed commit(StagedWrite staged) throws IOException {
        ObjectMeta meta = staged.commit(store.nextVersion(), store.clock().wallMillis(), null);
        return new Committed(meta, staged.created());
    }

    @Override
    public Optional<ObjectSource> open(String name) throws IOException {
        try {
            return Optional.of(store.read(name));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Writes a tombstone with a new version; false when the name is absent or already deleted. */
    @Override
    public boolean delete(String name) throws IOException {
        Optional<ObjectMeta> cur = store.meta(name);
        if (cur.isEmpty() || cur.get().tombstone()) {
            return false;
        }
        long version = store.nextVersion();
        ObjectMeta result = store.delete(name, version, store.clock().wallMillis());
        return result.tombstone() && result.version() == version;
    }
}
