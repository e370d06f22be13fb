package io.chordfs.node.route;

import io.chordfs.node.store.Committed;
import io.chordfs.node.store.ObjectMeta;
import io.chordfs.node.store.StagedWrite;

import java.io.IOException;
import java.util.Optional;

/** Writes that this node makes as the owner of a name: it versions and replicates them. */
public interface OwnerWrites {
    /** Versions, commits and replicates {@code staged}; returns what the commit did. */
    Committed write(StagedWrite staged) throws IOException;

    /**
     * Starts a write of {@code length} bytes that is replicated while its body arrives into
     * {@code staged}; see {@link WriteStream}. By default it is written whole at the end.
     */
    default WriteStream begin(StagedWrite staged, long length) throws IOException {
        return WriteStream.staged(staged, this::write);
    }

    /** A new tombstone; empty when the name is absent or already deleted. */
    Optional<ObjectMeta> delete(String name) throws IOException;
}
