package io.chordfs.node.store;

import io.chordfs.core.net.BlockCrcs;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the store knows of one object, kept in a file beside it.
 *
 * @param name       the object's name (also its file name in the data directory)
 * @param key        key(name), its place on the ring
 * @param size       bytes
 * @param sha256     hex SHA-256 of the whole content (the ETag; empty for a tombstone)
 * @param version    orders writes of one name: the larger wins everywhere
 * @param tombstone  true when the object was deleted; then there are no bytes
 * @param modifiedMillis when this version was written (Last-Modified)
 * @param blockSize  bytes per checksummed block
 * @param blockCrc32c CRC32C of each block in order, so reads verify before they send
 */
public record ObjectMeta(String name, long key, long size, String sha256, long version, boolean tombstone,
                         long modifiedMillis, int blockSize, List<Long> blockCrc32c) {
    public ObjectMeta {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sha256, "sha256");
        blockCrc32c = List.copyOf(blockCrc32c);
    }

    /**
     * The value of {@link BlockCrcs#HEADER} for these stored CRCs, when the blocks are the wire's
     * size and there are not too many of them to send.
     */
    public Optional<String> blockCrcHeader() {
        return blockSize == BlockCrcs.BLOCK_SIZE ? BlockCrcs.header(blockCrc32c) : Optional.empty();
    }
}
