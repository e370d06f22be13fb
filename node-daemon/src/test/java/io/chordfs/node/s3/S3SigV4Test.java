package io.chordfs.node.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SigV4 against the values AWS documents for S3 (GET object, header-signed and presigned). */
class S3SigV4Test {
    private static final String KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final Instant SIGNED_AT = Instant.parse("2013-05-24T00:00:00Z");
    // AWS's "GET Object" example: bytes 0-9 of test.txt in examplebucket, signed in the header.
    private static final String HEADER_SIGNATURE = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
    // AWS's presigned-URL example: the same object, valid for 86400 s.
    private static final String PRESIGNED_QUERY = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    private static SigV4 verifierAt(Instant now, String accessKey, String secret) {
        return new SigV4(new S3Credentials(accessKey, secret, "us-east-1"), Clock.fixed(now, ZoneOffset.UTC));
    }

    private static SignedRequest headerSigned(String credentialKey, String signature, String payload) {
        String auth = "AWS4-HMAC-SHA256 Credential=" + credentialKey + "/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=" + signature;
        return new SignedRequest("GET", "/test.txt", null, Map.of(
                "host", List.of("examplebucket.s3.amazonaws.com"),
                "range", List.of("bytes=0-9"),
                "x-amz-content-sha256", List.of(payload),
                "x-amz-date", List.of("20130524T000000Z"),
                "authorization", List.of(auth)));
    }

    private static SignedRequest presigned(String query) {
        return new SignedRequest("GET", "/test.txt", query, Map.of("host", List.of("examplebucket.s3.amazonaws.com")));
    }

    private static S3Error refusal(SigV4 v, SignedRequest r) {
        return assertThrows(S3Exception.class, () -> v.verify(r)).error();
    }

    @Test
    void awsHeaderExampleVerifies() throws Exception {
        SigV4.Verified ok = verifierAt(SIGNED_AT.plusSeconds(60), KEY, SECRET)
                .verify(headerSigned(KEY, HEADER_SIGNATURE, EMPTY_SHA256));
        assertEquals(KEY, ok.accessKey());
        assertEquals(EMPTY_SHA256, ok.payloadSha256());
    }

    @Test
    void awsPresignedExampleVerifiesUntilItExpires() throws Exception {
        SigV4.Verified ok = verifierAt(SIGNED_AT.plusSeconds(86_400), KEY, SECRET).verify(presigned(PRESIGNED_QUERY));
        assertEquals(KEY, ok.accessKey());
        assertNull(ok.payloadSha256(), "a presigned URL's body is unsigned");
        assertEquals(S3Error.ACCESS_DENIED,
                refusal(verifierAt(SIGNED_AT.plusSeconds(86_401), KEY, SECRET), presigned(PRESIGNED_QUERY)));
        assertEquals(S3Error.ACCESS_DENIED,
                refusal(verifierAt(SIGNED_AT.minusSeconds(16 * 60), KEY, SECRET), presigned(PRESIGNED_QUERY)));
    }

    @Test
    void unknownAccessKeyIsInvalidAccessKeyId() {
        assertEquals(S3Error.INVALID_ACCESS_KEY_ID,
                refusal(verifierAt(SIGNED_AT, KEY, SECRET), headerSigned("AKIDOTHER", HEADER_SIGNATURE, EMPTY_SHA256)));
    }

    @Test
    void wrongSecretOrTamperedRequestIsSignatureDoesNotMatch() {
        assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, refusal(verifierAt(SIGNED_AT, KEY, SECRET + "x"),
                headerSigned(KEY, HEADER_SIGNATURE, EMPTY_SHA256)));
        assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, refusal(verifierAt(SIGNED_AT, KEY, SECRET),
                headerSigned(KEY, HEADER_SIGNATURE, SigV4.UNSIGNED_PAYLOAD)));
        assertEquals(S3Error.SIGNATURE_DOES_NOT_MATCH, refusal(verifierAt(SIGNED_AT, KEY, SECRET),
                presigned(PRESIGNED_QUERY.replace("Expires=86400", "Expires=86399"))));
    }

    @Test
    void headerSignedRequestOutsideFifteenMinutesIsRequestTimeTooSkewed() throws Exception {
        verifierAt(SIGNED_AT.plusSeconds(15 * 60), KEY, SECRET).verify(headerSigned(KEY, HEADER_SIGNATURE, EMPTY_SHA256));
        assertEquals(S3Error.REQUEST_TIME_TOO_SKEWED, refusal(verifierAt(SIGNED_AT.plusSeconds(15 * 60 + 1), KEY, SECRET),
                headerSigned(KEY, HEADER_SIGNATURE, EMPTY_SHA256)));
        assertEquals(S3Error.REQUEST_TIME_TOO_SKEWED, refusal(verifierAt(SIGNED_AT.minusSeconds(15 * 60 + 1), KEY, SECRET),
                headerSigned(KEY, HEADER_SIGNATURE, EMPTY_SHA256)));
    }

    @Test
    void streamingPayloadIsNotImplementedYetAndNoSignatureIsDenied() {
        assertEquals(S3Error.NOT_IMPLEMENTED, refusal(verifierAt(SIGNED_AT, KEY, SECRET),
                headerSigned(KEY, HEADER_SIGNATURE, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")));
        assertEquals(S3Error.ACCESS_DENIED, refusal(verifierAt(SIGNED_AT, KEY, SECRET), presigned(null)));
        SignedRequest header = headerSigned(KEY, HEADER_SIGNATURE, EMPTY_SHA256);
        assertEquals(S3Error.INVALID_ARGUMENT, refusal(verifierAt(SIGNED_AT, KEY, SECRET),
                new SignedRequest("GET", "/test.txt", PRESIGNED_QUERY, header.headers())), "two auth mechanisms at once");
    }

    @Test
    void pathAndQueryAreEncodedTheSigV4Way() throws Exception {
        assertEquals("/a%20b/c%2Bd~e", SigV4.uriEncode(SigV4.percentDecode("/a%20b/c+d~e"), false));
        assertEquals("a%2Fb=%C3%A9&list-type=2&prefix=",
                SigV4.canonicalQuery("prefix=&list-type=2&a%2fb=%c3%a9", false));
        assertEquals("a=2&a-b=1&x=1&x=2", SigV4.canonicalQuery("a-b=1&x=2&a=2&x=1", false));
    }
}
