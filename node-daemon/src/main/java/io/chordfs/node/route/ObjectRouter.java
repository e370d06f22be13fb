package io.chordfs.node.route;

import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.util.Optional;

/**
 * Where the ring places an object. The file server stages an upload locally and then asks the
 * router to commit it: here when this node owns the name, else streamed to the owner.
 */
public interface ObjectRouter {
    /**
     * What a commit did: the metadata now stored (another version's, when a concurrent write
     * won), and whether it made the name live where it was absent or deleted.
     */
    record Committed(ObjectMeta meta, boolean created) {}

    /** Commits a staged upload as a new version wherever the name belongs. */
    Committed commit(StagedWrite staged) throws IOException;

    /** Opens the newest version of {@code name}, wherever it is; empty when absent or deleted. */
    Optional<ObjectSource> open(String name) throws IOException;

    /** Deletes {@code name} (a tombstone); false when there was nothing to delete. */
    boolean delete(String name) throws IOException;
}
