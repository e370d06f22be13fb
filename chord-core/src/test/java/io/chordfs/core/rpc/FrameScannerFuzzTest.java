package io.chordfs.core.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * The server finds message boundaries with {@link FrameScanner} before it decodes: on any bytes,
 * arriving in pieces of any size, the scanner must say what the decoder says (a value of this
 * length, more bytes needed, or bad), or the server would cut messages wrongly, wait for ever or
 * pass the decoder what it then refuses. The first input byte sets the piece size.
 */
class FrameScannerFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void scannerAgreesWithTheDecoder(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int piece = 1 + (input[0] & 0x3f);
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        assertEquals(FrameScannerTest.decoderVerdict(bytes), scannerVerdict(bytes, piece));
    }

    private static String scannerVerdict(byte[] bytes, int piece) {
        FrameScanner scanner = new FrameScanner(FrameScannerTest.LIMITS);
        ByteBuf buf = Unpooled.buffer();
        try {
            for (int at = 0; at < bytes.length; at += piece) {
                buf.writeBytes(bytes, at, Math.min(piece, bytes.length - at));
                int n = scanner.scan(buf);
                if (n >= 0) {
                    return "value of " + n;
                }
            }
            return "more";
        } catch (RpcFormatException e) {
            return "bad";
        }
    }
}
