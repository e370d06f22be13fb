package io.chordfs.node.s3;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 verification for S3, of a signed {@code Authorization} header or of a
 * presigned URL's {@code X-Amz-*} query. The canonical request is rebuilt from the request as it
 * arrived (path and query re-encoded the SigV4 way, so either encoding of a character a client
 * chose signs the same) and the signature compared in constant time.
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    /** How far a header-signed request's time may be from ours, as S3 allows. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(15);
    /** The longest a presigned URL may be valid, as S3 allows (7 days). */
    public static final long MAX_EXPIRES_SECONDS = 604_800;

    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    /** A verified request: who signed it, and the SHA-256 its body must have (null when unsigned). */
    public record Verified(String accessKey, String payloadSha256) {}

    private final S3Credentials credentials;
    private final Clock clock;

    public SigV4(S3Credentials credentials, Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    /** Verifies {@code r}, signed in its header or presigned in its query. */
    public Verified verify(SignedRequest r) throws S3Exception {
        Map<String, String> query = decodeQuery(r.rawQuery());
        if (r.header("authorization") != null) {
            if (query.containsKey("X-Amz-Signature") || query.containsKey("X-Amz-Credential")) {
                throw new S3Exception(S3Error.INVALID_ARGUMENT, "Only one auth mechanism allowed");
            }
            return verifyHeader(r);
        }
        if (query.containsKey("X-Amz-Signature")) {
            return verifyPresigned(r, query);
        }
        throw new S3Exception(S3Error.ACCESS_DENIED, "Anonymous access is not allowed");
    }

    private Verified verifyHeader(SignedRequest r) throws S3Exception {
        String auth = r.header("authorization");
        if (!auth.startsWith(ALGORITHM + " ")) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Unsupported Authorization algorithm");
        }
        Map<String, String> parts = new HashMap<>();
        for (String part : auth.substring(ALGORITHM.length() + 1).split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw malformed("Authorization header part without '=': " + part.trim());
            }
            parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        String credential = required(parts, "Credential");
        String signedHeaders = required(parts, "SignedHeaders");
        String signature = required(parts, "Signature");
        String amzDate = r.header("x-amz-date");
        if (amzDate == null) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "AWS authentication requires a valid x-amz-date header");
        }
        Instant time = parseDate(amzDate);
        if (Duration.between(time, clock.instant()).abs().compareTo(MAX_SKEW) > 0) {
            throw new S3Exception(S3Error.REQUEST_TIME_TOO_SKEWED);
        }
        String payload = r.header("x-amz-content-sha256");
        if (payload == null) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "Missing required header for this request: x-amz-content-sha256");
        }
        if (payload.startsWith("STREAMING-")) {
            throw new S3Exception(S3Error.NOT_IMPLEMENTED, "Chunked payload signing (" + payload + ") is not implemented yet");
        }
        if (!payload.equals(UNSIGNED_PAYLOAD) && !payload.matches("[0-9a-f]{64}")) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256");
        }
        Scope scope = scope(credential, amzDate);
        String canonical = canonicalRequest(r, canonicalQuery(r.rawQuery(), false), signedHeaders, payload);
        check(scope, amzDate, canonical, signature);
        return new Verified(scope.accessKey, payload.equals(UNSIGNED_PAYLOAD) ? null : payload);
    }

    private Verified verifyPresigned(SignedRequest r, Map<String, String> query) throws S3Exception {
        if (!ALGORITHM.equals(query.get("X-Amz-Algorithm"))) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "X-Amz-Algorithm must be " + ALGORITHM);
        }
        String amzDate = requiredQuery(query, "X-Amz-Date");
        String expiresText = requiredQuery(query, "X-Amz-Expires");
        long expires;
        try {
            expires = Long.parseLong(expiresText);
        } catch (NumberFormatException e) {
            throw new S3Exception(S3Error.AUTHORIZATION_HEADER_MALFORMED, "X-Amz-Expires should be a number");
        }
        if (expires < 1 || expires > MAX_EXPIRES_SECONDS) {
            throw new S3Exception(S3Error.AUTHORIZATION_HEADER_MALFORMED,
                    "X-Amz-Expires must be between 1 and " + MAX_EXPIRES_SECONDS + " seconds");
        }
        Instant time = parseDate(amzDate);
        Instant now = clock.instant();
        if (time.minus(MAX_SKEW).isAfter(now)) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Request is not valid yet");
        }
        if (now.isAfter(time.plusSeconds(expires))) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Request has expired");
        }
        Scope scope = scope(requiredQuery(query, "X-Amz-Credential"), amzDate);
        String payload = r.header("x-amz-content-sha256");
        String hash = payload == null ? UNSIGNED_PAYLOAD : payload;
        String canonical = canonicalRequest(r, canonicalQuery(r.rawQuery(), true),
                requiredQuery(query, "X-Amz-SignedHeaders"), hash);
        check(scope, amzDate, canonical, requiredQuery(query, "X-Amz-Signature"));
        return new Verified(scope.accessKey, hash.equals(UNSIGNED_PAYLOAD) ? null : hash);
    }

    /** access-key/yyyymmdd/region/s3/aws4_request, checked against our key, region and the request's date. */
    private record Scope(String accessKey, String date, String region) {
        String text() {
            return date + "/" + region + "/s3/aws4_request";
        }
    }

    private Scope scope(String credential, String amzDate) throws S3Exception {
        String[] p = credential.split("/");
        if (p.length != 5 || !p[3].equals("s3") || !p[4].equals("aws4_request")) {
            throw malformed("Credential must be access-key/date/region/s3/aws4_request");
        }
        if (!p[0].equals(credentials.accessKey())) {
            throw new S3Exception(S3Error.INVALID_ACCESS_KEY_ID);
        }
        if (!p[1].equals(amzDate.substring(0, 8))) {
            throw malformed("Credential date " + p[1] + " is not the request's date");
        }
        if (!p[2].equals(credentials.region())) {
            throw malformed("the region '" + p[2] + "' is wrong; expecting '" + credentials.region() + "'");
        }
        return new Scope(p[0], p[1], p[2]);
    }

    private void check(Scope scope, String amzDate, String canonicalRequest, String signature) throws S3Exception {
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope.text() + "\n" + sha256Hex(canonicalRequest);
        byte[] key = hmac(("AWS4" + credentials.secretKey()).getBytes(StandardCharsets.UTF_8), scope.date);
        key = hmac(key, scope.region);
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        byte[] expected = HEX.formatHex(hmac(key, stringToSign)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH);
        }
    }

    static String canonicalRequest(SignedRequest r, String canonicalQuery, String signedHeaders, String payload)
            throws S3Exception {
        StringBuilder headers = new StringBuilder();
        boolean host = false;
        for (String name : signedHeaders.split(";")) {
            List<String> values = r.headers().get(name);
            if (values == null) {
                throw new S3Exception(S3Error.ACCESS_DENIED, "Signed header " + name + " is missing from the request");
            }
            host |= name.equals("host");
            List<String> trimmed = new ArrayList<>();
            for (String v : values) {
                trimmed.add(v.trim().replaceAll(" +", " "));
            }
            headers.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        if (!host) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "The host header must be signed");
        }
        return r.method() + "\n" + uriEncode(percentDecode(r.rawPath()), false) + "\n" + canonicalQuery + "\n"
                + headers + "\n" + signedHeaders + "\n" + payload;
    }

    /** The query's pairs re-encoded and sorted; a presigned URL's own signature is not part of it. */
    static String canonicalQuery(String rawQuery, boolean presigned) throws S3Exception {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = percentDecode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1));
            if (presigned && name.equals("X-Amz-Signature")) {
                continue;
            }
            pairs.add(new String[] {uriEncode(name, true), uriEncode(value, true)});
        }
        // By name, then value: sorting whole "name=value" strings would put "a-b=…" before "a=…".
        pairs.sort(java.util.Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]));
        StringBuilder out = new StringBuilder();
        for (String[] p : pairs) {
            out.append(out.isEmpty() ? "" : "&").append(p[0]).append('=').append(p[1]);
        }
        return out.toString();
    }

    private static Map<String, String> decodeQuery(String rawQuery) throws S3Exception {
        Map<String, String> out = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.putIfAbsent(percentDecode(pair.substring(0, eq)), percentDecode(pair.substring(eq + 1)));
                }
            }
        }
        return out;
    }

    /** SigV4's URI encoding: every byte but A-Z a-z 0-9 - . _ ~ (and '/' in a path) as %XX. */
    static String uriEncode(String s, boolean encodeSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !encodeSlash)) {
                out.append(c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return out.toString();
    }

    /** Only %XX escapes are decoded: a '+' stays a '+', as SigV4 clients never send '+' for a space. */
    static String percentDecode(String s) throws S3Exception {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 3 > s.length()) {
                    throw new S3Exception(S3Error.INVALID_ARGUMENT, "Bad percent-encoding in " + s);
                }
                try {
                    out.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                } catch (NumberFormatException e) {
                    throw new S3Exception(S3Error.INVALID_ARGUMENT, "Bad percent-encoding in " + s);
                }
                i += 2;
            } else {
                int cp = s.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Instant parseDate(String amzDate) throws S3Exception {
        try {
            return Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "X-Amz-Date must be yyyyMMdd'T'HHmmss'Z', not " + amzDate);
        }
    }

    private static String required(Map<String, String> parts, String name) throws S3Exception {
        String v = parts.get(name);
        if (v == null || v.isEmpty()) {
            throw malformed("Authorization header has no " + name);
        }
        return v;
    }

    private static String requiredQuery(Map<String, String> query, String name) throws S3Exception {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            throw new S3Exception(S3Error.AUTHORIZATION_HEADER_MALFORMED, "Query-string authentication requires " + name);
        }
        return v;
    }

    private static S3Exception malformed(String why) {
        return new S3Exception(S3Error.AUTHORIZATION_HEADER_MALFORMED, why);
    }

    static String sha256Hex(String s) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
