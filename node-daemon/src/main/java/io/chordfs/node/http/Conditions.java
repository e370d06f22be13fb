package io.chordfs.node.http;

import java.util.OptionalLong;

/**
 * The conditional headers of a GET, as functions of their values (null: absent): If-None-Match
 * and If-Modified-Since decide a 304, If-Range whether Range applies. Kept apart from the
 * exchange so that they can be fuzzed on their own.
 */
final class Conditions {
    private Conditions() {}

    /** If-None-Match (ours) first; else If-Modified-Since as Python's send_head compares it. */
    static boolean notModified(String ifNoneMatch, String ifModifiedSince, String etag, long modifiedMillis) {
        if (ifNoneMatch != null) {
            for (String t : ifNoneMatch.split(",")) {
                String tag = t.strip();
                if (tag.startsWith("W/")) {
                    tag = tag.substring(2);
                }
                if (tag.equals("*") || tag.equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        OptionalLong ims = HttpDates.parseEpochSecond(ifModifiedSince);
        return ims.isPresent() && Math.floorDiv(modifiedMillis, 1000) <= ims.getAsLong();
    }

    /** The Range to serve ({@link ByteRange#parse}), honouring If-Range (an ETag or the exact Last-Modified). */
    static ByteRange range(String range, String ifRange, String etag, String lastModified, long size) {
        if (range == null) {
            return null;
        }
        if (ifRange != null && !ifRange.strip().equals(etag) && !ifRange.strip().equals(lastModified)) {
            return null;
        }
        return ByteRange.parse(range, size);
    }
}
