package io.chordfs.node.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** The file system under the data directory, as the store sees it (a seam so tests can fake a full disk). */
interface Disk {
    /** Bytes this process may still write (statvfs f_bavail). */
    long usable() throws IOException;

    /** The file system's size. */
    long total() throws IOException;

    /** Bytes not allocated to any file (statvfs f_bfree), so used = total - unallocated, as df counts it. */
    long unallocated() throws IOException;

    static Disk of(Path dir) throws IOException {
        FileStore fs = Files.getFileStore(dir);
        return new Disk() {
            @Override
            public long usable() throws IOException {
                return fs.getUsableSpace();
            }

            @Override
            public long total() throws IOException {
                return fs.getTotalSpace();
            }

            @Override
            public long unallocated() throws IOException {
                return fs.getUnallocatedSpace();
            }

            @Override
            public String toString() {
                return fs.toString();
            }
        };
    }
}
