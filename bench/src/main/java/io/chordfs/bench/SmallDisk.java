package io.chordfs.bench;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A real, small file system for the disk-full scenario: a tmpfs mounted on a node's data
 * directory, shrunk so that the node's writes fail with ENOSPC, and grown again later, as an
 * operator freeing space would. Needs root.
 */
final class SmallDisk implements AutoCloseable {
    private final Path dir;

    private SmallDisk(Path dir) {
        this.dir = dir;
    }

    static SmallDisk mount(Path dir, long bytes) throws IOException {
        Shell.run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "chordfs-faults", dir.toString());
        return new SmallDisk(dir);
    }

    /** Changes the size in place; files already there stay. */
    void resize(long bytes) throws IOException {
        Shell.run("mount", "-o", "remount,size=" + bytes, dir.toString());
    }

    /** Unmounts; call once the node using it has exited. */
    @Override
    public void close() {
        try {
            Shell.run("umount", "-l", dir.toString());
        } catch (IOException ignored) {
            // not mounted any more
        }
    }
}
