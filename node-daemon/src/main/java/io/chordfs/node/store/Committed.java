package io.chordfs.node.store;

/**
 * What committing a write did, from the store that took it to the client that sent it: the
 * metadata now stored (a concurrent write's, when that one won), and whether the write made the
 * name live where it was absent or deleted (201 rather than 204 on a PUT).
 */
public record Committed(ObjectMeta meta, boolean created) {}
