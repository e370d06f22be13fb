package io.chordfs.node.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Room for writes. With a quota ({@code capacityBytes > 0}), used = the sum of live objects' sizes
 * (tombstones count 0); a write reserves its bytes as they arrive and fails with
 * {@link StoreFullException} as soon as committed + in-flight bytes would exceed the quota (so a
 * replacement needs room for both copies while it is written, as on a real disk). Without a quota
 * the file system is the limit: a write fails once the disk's usable space would drop below a
 * small reserve (min(64 MiB, 1% of the disk)). A real ENOSPC or EDQUOT during a write or fsync is
 * reported as {@link StoreFullException} too ({@link #noSpace}).
 */
final class Quota {
    private static final long MAX_DISK_RESERVE = 64L << 20;
    /** Without a quota, how many bytes to write between two looks at the disk's free space. */
    private static final long DISK_CHECK_INTERVAL = 16L << 20;

    private final long quota;
    private final Disk disk;
    private final long diskReserve;
    private final Index index;
    private final AtomicLong inflightBytes = new AtomicLong();

    /** {@code quota} 0: the disk is the limit. */
    Quota(long quota, Disk disk, Index index) throws IOException {
        this.quota = quota;
        this.disk = disk;
        this.index = index;
        this.diskReserve = quota > 0 ? 0 : Math.min(MAX_DISK_RESERVE, disk.total() / 100);
    }

    /** Bytes of live objects (with a quota), or bytes in use on the file system (as df counts them). */
    long usedBytes() {
        if (quota > 0) {
            return index.liveBytes();
        }
        try {
            return disk.total() - disk.unallocated();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The quota, or the file system's size. */
    long capacityBytes() {
        if (quota > 0) {
            return quota;
        }
        try {
            return disk.total();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Percent in use: used / quota with a quota; without one, as df and the CloudWatch agent's
     * {@code disk_used_percent} compute it: used / (used + available to us).
     */
    double usedPercent() {
        if (quota > 0) {
            return 100.0 * index.liveBytes() / quota;
        }
        try {
            long used = disk.total() - disk.unallocated();
            long denom = used + disk.usable();
            return denom <= 0 ? 0.0 : 100.0 * used / denom;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The room one staged write of {@code name} takes as its bytes arrive. */
    Reservation reservation(String name) {
        return new Reservation(name);
    }

    /** The bytes one staged write holds; with a quota they count until the write commits or is discarded. */
    final class Reservation {
        private final String name;
        private long reserved;
        /** Bytes that may be written before the disk's free space is looked at again. */
        private long diskBudget;

        private Reservation(String name) {
            this.name = name;
        }

        /**
         * Takes room for {@code n} more bytes, with {@code buffered} bytes before them not yet on the
         * disk; throws {@link StoreFullException} when they do not fit.
         */
        void admit(int n, long buffered) throws IOException {
            reserve(n);
            reserved += n;
            if (diskBudget < n) {
                long headroom = diskHeadroom();
                if (headroom != Long.MAX_VALUE) {
                    headroom -= buffered;
                }
                if (headroom < n) {
                    throw new StoreFullException("disk full: '" + name + "' does not fit on " + disk + " ("
                            + Math.max(0, headroom) + " bytes left above the reserve of " + diskReserve + ")");
                }
                diskBudget = Math.min(headroom, DISK_CHECK_INTERVAL);
            }
            diskBudget -= n;
        }

        /** Gives back everything reserved. Idempotent. */
        void release() {
            if (quota > 0 && reserved != 0) {
                inflightBytes.addAndGet(-reserved);
            }
            reserved = 0;
        }

        private void reserve(int n) throws StoreFullException {
            if (quota <= 0) {
                return;
            }
            long inflight = inflightBytes.addAndGet(n);
            long live = index.liveBytes();
            if (live + inflight > quota) {
                inflightBytes.addAndGet(-n);
                throw new StoreFullException("store full: '" + name + "' does not fit the quota of " + quota
                        + " bytes (" + live + " in use, " + (inflight - n) + " being written)");
            }
        }

        /** Without a quota: bytes that may still be written before the disk's reserve is reached; else Long.MAX_VALUE. */
        private long diskHeadroom() throws IOException {
            if (quota > 0) {
                return Long.MAX_VALUE;
            }
            return disk.usable() - diskReserve;
        }
    }

    /** An ENOSPC / EDQUOT IOException turned into {@link StoreFullException}; anything else unchanged. */
    static IOException noSpace(Exception e, String doing) {
        if (e instanceof StoreFullException sf) {
            return sf;
        }
        if (isNoSpace(e)) {
            StoreFullException sf = new StoreFullException("disk full (the file system reported: " + e.getMessage()
                    + ") while " + doing);
            sf.initCause(e);
            return sf;
        }
        if (e instanceof IOException io) {
            return io;
        }
        throw (RuntimeException) e;
    }

    static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof IOException && m != null
                    && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }
}
