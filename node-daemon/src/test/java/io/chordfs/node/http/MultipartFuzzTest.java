package io.chordfs.node.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bodies through the streaming multipart parser, with a small buffer so boundaries
 * straddle refills: it must end (parts, or a MalformedException/IOException), never loop, never
 * throw anything else, and never hand out more bytes than it was given. Seeds run in mvn test;
 * JAZZER_FUZZ=1 fuzzes.
 */
class MultipartFuzzTest {
    private static final String BOUNDARY = "----b0undary";

    @FuzzTest(maxDuration = "30s")
    void parserEndsCleanlyOnAnyBody(FuzzedDataProvider data) {
        int bufferSize = data.consumeInt(16, 4096);
        byte[] body = data.consumeRemainingAsBytes();
        long[] seen = {0};
        int[] parts = {0};
        MultipartParser parser = new MultipartParser(BOUNDARY, 1024, bufferSize, new MultipartParser.Listener() {
            @Override
            public void part(MultipartParser.Part p) {
                p.name();
                p.filename();
                assertTrue(++parts[0] <= body.length + 1, "more parts than bytes: the parser is looping");
            }

            @Override
            public void data(MultipartParser.Part p, byte[] b, int off, int len) {
                seen[0] += len;
            }

            @Override
            public void end(MultipartParser.Part p) {
            }
        });
        try {
            // in two pieces, split where the fuzzer says: a body may arrive in any pieces
            int split = body.length == 0 ? 0 : Math.floorMod(bufferSize * 31, body.length + 1);
            parser.feed(body, 0, split);
            parser.feed(body, split, body.length - split);
            parser.finish();
        } catch (IOException expected) {
            // MalformedException and friends: a 400 for the client.
        }
        assertTrue(seen[0] <= body.length, "the parser handed out more bytes than the body had");
    }
}
