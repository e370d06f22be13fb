package io.chordfs.node.s3;

import io.chordfs.node.peer.ForwardRefusedException;
import io.chordfs.node.peer.RingUnavailableException;
import io.chordfs.node.store.BadNameException;
import io.chordfs.node.store.ConflictException;
import io.chordfs.node.store.StoreFullException;
import io.chordfs.node.store.TooLargeException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The one map from a node's failures to S3 errors (the S3 counterpart of peer.Statuses), and the
 * XML error document S3 answers them with.
 */
public final class S3Errors {
    private static final XMLOutputFactory XML = XMLOutputFactory.newFactory();

    private S3Errors() {}

    /** The S3 error for a failure; one that is not the client's or the ring's to fix is an InternalError. */
    public static S3Exception of(Throwable e) {
        if (e instanceof S3Exception s3) {
            return s3;
        }
        S3Error error;
        if (e instanceof BadNameException || e instanceof IllegalArgumentException) {
            error = S3Error.INVALID_ARGUMENT;
        } else if (e instanceof ConflictException) {
            error = S3Error.OPERATION_ABORTED;
        } else if (e instanceof TooLargeException) {
            error = S3Error.ENTITY_TOO_LARGE;
        } else if (e instanceof RingUnavailableException || e instanceof ForwardRefusedException
                || e instanceof StoreFullException) {
            // S3 has no 502 or 507; 503 tells SDKs to back off and retry, which is what helps here.
            error = S3Error.SERVICE_UNAVAILABLE;
        } else {
            // CorruptObjectException too: our stored bytes failed their checksum, not the client's request.
            return new S3Exception(S3Error.INTERNAL_ERROR);
        }
        return new S3Exception(error, e.getMessage() == null ? error.message() : e.getMessage());
    }

    /** {@code <Error><Code/><Message/><Resource/><RequestId/></Error>} for {@code e} on {@code resource}. */
    public static byte[] document(S3Exception e, String resource, String requestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XML.createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("Error");
            element(w, "Code", e.error().code());
            element(w, "Message", e.getMessage());
            element(w, "Resource", resource);
            element(w, "RequestId", requestId);
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException x) {
            throw new IllegalStateException(x);
        }
        return out.toByteArray();
    }

    private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(text);
        w.writeEndElement();
    }
}
