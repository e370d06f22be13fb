package io.chordfs.node.peer;

import io.chordfs.core.ring.NodeRef;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.net.HttpPut;

/** Names on the node-to-node wire (port 5059). */
final class PeerHeaders {
    /**
     * With a cluster secret: on a request, the sender's proof that it holds the secret (see
     * {@link io.chordfs.core.chord.ClusterSecret}); on an answer, the proof bound to that request.
     */
    static final String PROOF = "X-ChordFS-Proof";
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

    /** What a request says, as its proof covers it: method, path and query as sent, and the node it is for. */
    static String claim(String method, String rawPathAndQuery, NodeRef target) {
        return "http\n" + method + "\n" + rawPathAndQuery + "\n" + target;
    }

    /** What an answer says, as its proof covers it. */
    static String replyClaim(int status) {
        return "http-reply\n" + status;
    }
}
