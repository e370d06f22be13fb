package io.chordfs.node.peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.net.HttpPut;

/** Names on the node-to-node wire (port 5059). */
final class PeerHeaders {
    static final String SECRET = "X-ChordFS-Secret";
    static final String VERSION = "X-ChordFS-Version";
    static final String MODIFIED = "X-ChordFS-Modified";
    static final String SHA256 = HttpPut.BODY_SHA256;
    /** On the answer to a PUT: the write made the name live where it was absent or deleted. */
    static final String CREATED = "X-ChordFS-Created";
    /** On every request and answer: the sender's {@code VersionClock} reading. */
    static final String CLOCK = "X-ChordFS-Clock";
    static final String OBJECTS = "/objects";
    /** {@code PUT /objects/NAME?prepare=TX}: hold the bytes for the owner's commit. */
    static final String PREPARE = "prepare";
    static final String PREPARED = "/prepared";
    static final String META = "/meta";
    static final String CHUNK_STATE = "/chunk-state";
    static final String DIGEST = "/digest";
    static final String NOTIFY_JOIN = "/notify_join_system";
    static final ObjectMapper JSON = new ObjectMapper();

    private PeerHeaders() {}
}
