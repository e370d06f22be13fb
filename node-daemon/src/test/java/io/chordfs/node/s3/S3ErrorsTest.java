package io.chordfs.node.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chordfs.node.peer.RingUnavailableException;
import io.chordfs.node.store.BadNameException;
import io.chordfs.node.store.ConflictException;
import io.chordfs.node.store.CorruptObjectException;
import io.chordfs.node.store.StoreFullException;
import io.chordfs.node.store.TooLargeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

class S3ErrorsTest {
    @Test
    void nodeFailuresMapToS3CodesAndStatuses() {
        assertEquals(S3Error.INVALID_ARGUMENT, S3Errors.of(new BadNameException("a//b")).error());
        assertEquals(S3Error.OPERATION_ABORTED, S3Errors.of(new ConflictException("x")).error());
        assertEquals(S3Error.ENTITY_TOO_LARGE, S3Errors.of(new TooLargeException("x")).error());
        assertEquals(S3Error.SERVICE_UNAVAILABLE, S3Errors.of(new RingUnavailableException("x")).error());
        assertEquals(S3Error.SERVICE_UNAVAILABLE, S3Errors.of(new StoreFullException("x")).error());
        S3Exception corrupt = S3Errors.of(new CorruptObjectException("chunk 7 of b/k"));
        assertEquals(500, corrupt.error().status());
        assertEquals("InternalError", corrupt.error().code());
        assertEquals(S3Error.INTERNAL_ERROR.message(), corrupt.getMessage(), "internal details stay in the log");
        assertEquals(S3Error.INTERNAL_ERROR, S3Errors.of(new IOException("disk")).error());
        S3Exception own = new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH);
        assertEquals(own, S3Errors.of(own));
        assertEquals(403, own.error().status());
        assertEquals(501, S3Error.NOT_IMPLEMENTED.status());
    }

    @Test
    void errorDocumentIsS3sXmlWithTextEscaped() throws Exception {
        byte[] xml = S3Errors.document(new S3Exception(S3Error.INVALID_ARGUMENT, "bad <name> & more"),
                "/bucket/a&b", "req-1");
        Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml)).getDocumentElement();
        assertEquals("Error", root.getTagName());
        assertEquals("InvalidArgument", text(root, "Code"));
        assertEquals("bad <name> & more", text(root, "Message"));
        assertEquals("/bucket/a&b", text(root, "Resource"));
        assertEquals("req-1", text(root, "RequestId"));
    }

    private static String text(Element root, String name) {
        return root.getElementsByTagName(name).item(0).getTextContent();
    }
}
