package io.chordfs.node.http;

import io.chordfs.node.store.BadNameException;
import io.chordfs.node.store.Names;
import io.chordfs.node.store.ObjectStore;
import io.chordfs.node.store.StagedWrite;
import io.chordfs.node.store.TooLargeException;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * uploadserver's {@code receive_upload} as a multipart listener: each part named {@code files}
 * streams into a staged write under the base name of its file name; other parts are dropped.
 * What uploadserver refuses only after the whole body (no {@code files} field, an empty file
 * name, a bad name) is decided by {@link #refusal()} then, and nothing is stored. At most
 * {@link #MAX_FILES} files a request: one request cannot make an unbounded number of objects.
 */
final class FormUpload implements MultipartParser.Listener {
    static final int MAX_FILES = 1000;

    /** A refusal: the status and the message of the error page. */
    record Refusal(int status, String message) {}

    private final ObjectStore store;
    private final long maxObjectBytes;
    private final List<StagedWrite> staged = new ArrayList<>();
    private OutputStream sink;
    private boolean sawFiles;
    private boolean emptyName;
    private String badName;

    FormUpload(ObjectStore store, long maxObjectBytes) {
        this.store = store;
        this.maxObjectBytes = maxObjectBytes;
    }

    @Override
    public void part(MultipartParser.Part part) throws IOException {
        sink = null;
        if (!"files".equals(part.name())) {
            return;
        }
        sawFiles = true;
        String filename = part.filename();
        if (filename == null || filename.isEmpty()) {
            emptyName = true;
            return;
        }
        String name;
        try {
            name = Names.check(Names.baseName(filename));
        } catch (BadNameException e) {
            if (badName == null) {
                badName = "Bad file name '" + filename + "': " + e.getMessage();
            }
            return;
        }
        if (emptyName || badName != null) {
            return; // the request fails anyway: store nothing more
        }
        if (staged.size() == MAX_FILES) {
            throw new TooLargeException("an upload takes at most " + MAX_FILES + " files");
        }
        StagedWrite w = store.stage(name);
        staged.add(w);
        sink = new LimitedOutputStream(w.out(), maxObjectBytes, name);
    }

    @Override
    public void data(MultipartParser.Part part, byte[] b, int off, int len) throws IOException {
        if (sink != null) {
            sink.write(b, off, len);
        }
    }

    @Override
    public void end(MultipartParser.Part part) throws IOException {
        if (sink != null) {
            sink.close(); // finishes the content; commits come after the whole body
            sink = null;
        }
    }

    /** After the whole body: uploadserver's refusal, or null when every staged file may be committed. */
    Refusal refusal() {
        if (!sawFiles) {
            return new Refusal(400, "Field \"files\" not found");
        }
        if (emptyName) {
            return new Refusal(400, "No files selected");
        }
        return badName != null ? new Refusal(400, badName) : null;
    }

    /** The files received, in the order they came. */
    List<StagedWrite> staged() {
        return staged;
    }

    /** Throws away every staged file not committed yet. */
    void discard() {
        staged.forEach(StagedWrite::close);
    }
}
