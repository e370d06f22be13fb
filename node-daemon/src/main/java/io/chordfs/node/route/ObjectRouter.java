package io.chordfs.node.route;

import io.chordfs.node.store.Committed;
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
    /** Commits a staged upload as a new version wherever the name belongs. */
    Committed commit(StagedWrite staged) throws IOException;

    /**
     * Starts an upload of {@code length} bytes that goes to where its name belongs while its body
     * arrives into {@code staged}, this node's copy (or spool). The stream owns {@code staged}.
     * By default it is committed whole at the end.
     */
    default WriteStream begin(StagedWrite staged, long length) throws IOException {
        return WriteStream.staged(staged, this::commit);
    }

    /** Opens the newest version of {@code name}, wherever it is; empty when absent or deleted. */
    Optional<ObjectSource> open(String name) throws IOException;

    /** Deletes {@code name} (a tombstone); false when there was nothing to delete. */
    boolean delete(String name) throws IOException;
}
