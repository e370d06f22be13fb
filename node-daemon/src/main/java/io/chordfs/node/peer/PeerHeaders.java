package io.chordfs.node.peer;

import io.chordfs.core.ring.NodeRef;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chordfs.core.net.HttpPut;

/** Names on the node-to-node wire (port 5059). */
public final class PeerHeaders {
    /**
     * With a cluster secret: on a request, the sender's proof that it holds the secret (see
     * {@link io.chordfs.core.chord.ClusterSecret}); on an answer, the proof bound to that request.
     */
    public static final String PROOF = "X-ChordFS-Proof";
    public static final String VERSION = "X-ChordFS-Version";
    public static final String MODIFIED = "X-ChordFS-Modified";
    public static final String SHA256 = HttpPut.BODY_SHA256;
    /** On the answer to a PUT: the write made the name live where it was absent or deleted. */
    public static final String CREATED = "X-ChordFS-Created";
    /** On every request and answer: the sender's {@code VersionClock} reading. */
    public static final String CLOCK = "X-ChordFS-Clock";
    public static final String OBJECTS = "/objects";
    /** {@code PUT /objects/NAME?prepare=TX}: hold the bytes for the owner's commit. */
    public static final String PREPARE = "prepare";
    public static final String PREPARED = "/prepared";
    public static final String META = "/meta";
    public static final String CHUNK_STATE = "/chunk-state";
    public static final String DIGEST = "/digest";
    public static final String NOTIFY_JOIN = "/notify_join_system";
    public static final ObjectMapper JSON = new ObjectMapper();

    private PeerHeaders() {}

    /** What a request says, as its proof covers it: method, path and query as sent, and the node it is for. */
    public static String claim(String method, String rawPathAndQuery, NodeRef target) {
        return "http\n" + method + "\n" + rawPathAndQuery + "\n" + target;
    }

    /** What an answer says, as its proof covers it. */
    public static String replyClaim(int status) {
        return "http-reply\n" + status;
    }
}
