package io.chordfs.node.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;

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
        MultipartParser parser = new MultipartParser(new ByteArrayInputStream(body), BOUNDARY, 1024, bufferSize);
        long[] seen = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                seen[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                seen[0] += len;
            }
        };
        try {
            int parts = 0;
            for (MultipartParser.Part p = parser.next(); p != null; p = parser.next()) {
                p.name();
                p.filename();
                p.body().transferTo(counter);
                assertTrue(++parts <= body.length + 1, "more parts than bytes: the parser is looping");
            }
        } catch (IOException expected) {
            // MalformedException and friends: a 400 for the client.
        }
        assertTrue(seen[0] <= body.length, "the parser handed out more bytes than the body had");
    }
}
