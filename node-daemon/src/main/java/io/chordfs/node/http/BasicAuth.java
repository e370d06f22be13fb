package io.chordfs.node.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * uploadserver's {@code check_http_authentication_header}: one configured {@code user:pass}
 * checked against an {@code Authorization: Basic ...} header. User and password are compared
 * through their SHA-256 digests with {@link MessageDigest#isEqual}, so the time taken says nothing
 * about either (not even the length), and both are always compared.
 */
final class BasicAuth {
    /** The outcome; {@code message} is uploadserver's reason ("Bad password" ...), logged, never sent. */
    record Result(boolean valid, String message) {}

    private final byte[] userDigest;
    private final byte[] passDigest;

    private BasicAuth(String user, String pass) {
        this.userDigest = sha256(user.getBytes(StandardCharsets.UTF_8));
        this.passDigest = sha256(pass.getBytes(StandardCharsets.UTF_8));
    }

    /** From {@code user:pass} (split at the first ':', as uploadserver does); null stays null. */
    static BasicAuth of(String userColonPass) {
        if (userColonPass == null) {
            return null;
        }
        int colon = userColonPass.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("basic auth must be user:pass");
        }
        return new BasicAuth(userColonPass.substring(0, colon), userColonPass.substring(colon + 1));
    }

    Result check(String authorization) {
        if (authorization == null) {
            return new Result(false, "No credentials given");
        }
        String[] words = authorization.split(" ", -1);
        if (words.length != 2 || !words[0].equalsIgnoreCase("basic")) {
            return new Result(false, "Credentials incorrectly formatted");
        }
        String decoded;
        try {
            byte[] raw = Base64.getDecoder().decode(words[1]);
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            return new Result(false, "Credentials incorrectly formatted");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            // uploadserver crashes here (ValueError) and drops the connection; we answer 401.
            return new Result(false, "Credentials incorrectly formatted");
        }
        boolean userOk = MessageDigest.isEqual(userDigest,
                sha256(decoded.substring(0, colon).getBytes(StandardCharsets.UTF_8)));
        boolean passOk = MessageDigest.isEqual(passDigest,
                sha256(decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8)));
        if (!userOk) {
            return new Result(false, "Bad username");
        }
        if (!passOk) {
            return new Result(false, "Bad password");
        }
        return new Result(true, null);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
