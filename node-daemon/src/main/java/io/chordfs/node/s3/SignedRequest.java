package io.chordfs.node.s3;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What SigV4 signs of a request, as it arrived: the method, the path and query exactly as sent
 * (still percent-encoded) and the headers by lower-case name (a repeated header has several values).
 */
public record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers) {
    /** The first value of header {@code name} (any case), or null. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
