package io.chordfs.node.route;

import io.chordfs.node.store.Committed;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.ObjectSource;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where the ring places an object. The file server hands an upload to the router as it arrives
 * ({@link #begin}), or stages it whole and asks the router to commit it: here when this node owns
 * the name, else sent to the owner.
 */
public interface ObjectRouter {
    /** Commits a staged upload as a new version wherever the name belongs. */
    Committed commit(StagedWrite staged) throws IOException;

    /** Opens this node's staged write for an upload, when it keeps a copy. */
    @FunctionalInterface
    interface Stage {
        StagedWrite open() throws IOException;
    }

    /**
     * Starts an upload of {@code length} bytes that goes to where its name belongs while its body
     * arrives; {@code local} opens this node's copy when it keeps one (the stream then owns it),
     * and the body must match {@code expectedCrcs} (nullable: nothing to check). By default it is
     * staged here and committed whole at the end.
     */
    default WriteStream begin(String name, long length, List<Long> expectedCrcs, Stage local) throws IOException {
        return WriteStream.staged(local.open(), this::commit);
    }

    /** Opens the newest version of {@code name}, wherever it is; empty when absent or deleted. */
    Optional<ObjectSource> open(String name) throws IOException;

    /** Deletes {@code name} (a tombstone); false when there was nothing to delete. */
    boolean delete(String name) throws IOException;
}
