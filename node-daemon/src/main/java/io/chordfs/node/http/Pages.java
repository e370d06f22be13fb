package io.chordfs.node.http;

import io.chordfs.core.ring.NodeRef;
import io.chordfs.core.ring.ObjectNames;
import io.chordfs.node.peer.PercentCodec;
import io.chordfs.node.peer.PortLayout;
import io.chordfs.node.route.RingListing;
import io.chordfs.node.store.ObjectMeta;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The HTML and JSON bodies the file server sends, copied from uploadserver and http.server. */
final class Pages {
    private Pages() {}

    /** uploadserver's upload page (theme "auto"), byte for byte. */
    static final byte[] UPLOAD_PAGE = ("""
            <!DOCTYPE html>
            <html>
            <head>
            <title>File Upload</title>
            <meta name="viewport" content="width=device-width, user-scalable=no" />
            <meta name="color-scheme" content="light dark">
            </head>
            <body>
            <h1>File Upload</h1>
            <form action="upload" method="POST" enctype="multipart/form-data">
            <input name="files" type="file" multiple />
            <br />
            <br />
            <input type="submit" value="Upload" />
            </form>
            <p id="task"></p>
            <p id="status"></p>
            <hr />
            <a href="/">File Download</a> (back to download page)
            <hr />
            </body>
            <script>
            document.getElementsByTagName('form')[0].addEventListener('submit', async e => {
              e.preventDefault()
             \s
              const uploadFormData = new FormData(e.target)
              const filenames = uploadFormData.getAll('files').map(v => v.name).join(', ')
              const uploadRequest = new XMLHttpRequest()
              uploadRequest.open(e.target.method, e.target.action)
              uploadRequest.timeout = 3600000
             \s
              uploadRequest.onreadystatechange = () => {
                if (uploadRequest.readyState === XMLHttpRequest.DONE) {
                  let message = `${uploadRequest.status}: ${uploadRequest.statusText}`
                  if (uploadRequest.status === 0) message = 'Connection failed'
                  if (uploadRequest.status === 204) {
                    message = `Success: ${uploadRequest.statusText}`
                  }
                  document.getElementById('status').textContent = message
                }
              }
             \s
              uploadRequest.upload.onprogress = e => {
                document.getElementById('status').textContent = (e.loaded === e.total ?
                  'Saving…' :
                  `${Math.floor(100*e.loaded/e.total)}% ` +
                  `[${Math.floor(e.loaded/1024)} / ${Math.floor(e.total/1024)}KiB]`
                )
              }
             \s
              uploadRequest.send(uploadFormData)
             \s
              document.getElementById('task').textContent = `Uploading ${filenames}:`
              document.getElementById('status').textContent = '0%'
            })
            </script>
            </html>""").getBytes(StandardCharsets.UTF_8);

    /** The live objects of {@code all}. */
    static List<ObjectMeta> live(List<ObjectMeta> all) {
        List<ObjectMeta> out = new ArrayList<>();
        for (ObjectMeta m : all) {
            if (!m.tombstone()) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * SimpleHTTPRequestHandler.list_directory("/") with uploadserver's two injections, byte for
     * byte when the listing is whole; a listing that is cut or misses members says so before the
     * list. A chunk object (listed only when asked for) links to its file.
     */
    static byte[] listing(RingListing.Listing listing) {
        List<ObjectMeta> live = listing.objects();
        StringBuilder r = new StringBuilder(256 + 64 * live.size());
        String title = "Directory listing for /";
        r.append("<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        r.append("<title>").append(title).append("</title>\n");
        r.append("<!-- Injected by uploadserver -->\n"
                + "<meta name=\"viewport\" content=\"width=device-width\" />\n"
                + "<meta name=\"color-scheme\" content=\"light dark\">\n"
                + "<!-- End injection by uploadserver -->\n");
        r.append("</head>\n<body>\n<h1>").append(title).append("</h1>\n<hr>\n");
        r.append("<!-- Injected by uploadserver -->\n"
                + "<a href=\"/upload\">File Upload</a>\n"
                + "(provided by uploadserver, all files go to server root)\n"
                + "<hr>\n"
                + "<!-- End injection by uploadserver -->\n");
        for (String note : notes(listing)) {
            r.append("<p>").append(PercentCodec.html(note)).append("</p>\n");
        }
        r.append("<ul>\n");
        for (ObjectMeta m : live) {
            Optional<ObjectNames.ChunkObject> chunk = ObjectNames.parse(m.name());
            if (chunk.isPresent()) {
                String file = chunk.get().file();
                r.append("<li>").append(PercentCodec.html(m.name())).append(" (chunk of <a href=\"")
                        .append(PercentCodec.quote(file)).append("\">").append(PercentCodec.html(file)).append("</a>)</li>\n");
            } else {
                r.append("<li><a href=\"").append(PercentCodec.quote(m.name())).append("\">")
                        .append(PercentCodec.html(m.name())).append("</a></li>\n");
            }
        }
        r.append("</ul>\n<hr>\n</body>\n</html>\n");
        return r.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a reader of the listing must know about what is not in it; nothing for a whole listing. */
    static List<String> notes(RingListing.Listing listing) {
        List<String> notes = new ArrayList<>();
        if (listing.cutAt() > 0) {
            notes.add("The listing is cut at " + listing.cutAt() + " names: names after the last one shown are not listed.");
        }
        if (!listing.unanswered().isEmpty()) {
            notes.add(listing.unanswered().size() + " node(s) did not answer (" + addresses(listing.unanswered())
                    + "): a file whose every copy is on them is not listed.");
        }
        if (!listing.wholeRing()) {
            notes.add("The walk round the ring stopped early: files only on nodes it did not reach are not listed.");
        }
        return notes;
    }

    /** The file ports of {@code nodes}, as a client would address them. */
    static String addresses(List<NodeRef> nodes) {
        StringBuilder r = new StringBuilder();
        for (NodeRef n : nodes) {
            if (r.length() > 0) {
                r.append(", ");
            }
            r.append(PortLayout.httpBase(n).getAuthority());
        }
        return r.toString();
    }

    /**
     * {@code [{"name","size","modified","sha256","version"}]}; modified is ISO-8601 UTC. A chunk
     * object also has {@code "chunk_of"}: the file it belongs to.
     */
    static byte[] listingJson(List<ObjectMeta> live) {
        StringBuilder r = new StringBuilder(2 + 160 * live.size());
        r.append('[');
        for (int i = 0; i < live.size(); i++) {
            ObjectMeta m = live.get(i);
            if (i > 0) {
                r.append(',');
            }
            r.append("{\"name\":");
            json(r, m.name());
            r.append(",\"size\":").append(m.size());
            r.append(",\"modified\":");
            json(r, Instant.ofEpochMilli(m.modifiedMillis()).toString());
            r.append(",\"sha256\":");
            json(r, m.sha256());
            r.append(",\"version\":").append(m.version());
            Optional<ObjectNames.ChunkObject> chunk = ObjectNames.parse(m.name());
            if (chunk.isPresent()) {
                r.append(",\"chunk_of\":");
                json(r, chunk.get().file());
            }
            r.append('}');
        }
        r.append("]\n");
        return r.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void json(StringBuilder r, String s) {
        r.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> r.append("\\\"");
                case '\\' -> r.append("\\\\");
                case '\n' -> r.append("\\n");
                case '\r' -> r.append("\\r");
                case '\t' -> r.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        r.append(String.format("\\u%04x", (int) c));
                    } else {
                        r.append(c);
                    }
                }
            }
        }
        r.append('"');
    }

    /** Reason phrase and explanation per status, as Python's http.HTTPStatus has them. */
    private static final Map<Integer, String[]> STATUS = Map.ofEntries(
            Map.entry(400, new String[] {"Bad Request", "Bad request syntax or unsupported method"}),
            Map.entry(401, new String[] {"Unauthorized", "No permission -- see authorization schemes"}),
            Map.entry(404, new String[] {"Not Found", "Nothing matches the given URI"}),
            Map.entry(405, new String[] {"Method Not Allowed", "Specified method is invalid for this resource"}),
            Map.entry(413, new String[] {"Request Entity Too Large", "Entity is too large"}),
            Map.entry(416, new String[] {"Requested Range Not Satisfiable", "Cannot satisfy request range"}),
            Map.entry(431, new String[] {"Request Header Fields Too Large",
                    "The server is unwilling to process the request because its header fields are too large"}),
            Map.entry(500, new String[] {"Internal Server Error", "Server got itself in trouble"}),
            Map.entry(501, new String[] {"Not Implemented", "Server does not support this operation"}),
            Map.entry(503, new String[] {"Service Unavailable",
                    "The server cannot process the request due to a high load"}),
            Map.entry(507, new String[] {"Insufficient Storage", "The server has no room left to store the file"}));

    /** http.server's DEFAULT_ERROR_MESSAGE filled in as send_error does. */
    static byte[] error(int code, String message) {
        String[] s = STATUS.getOrDefault(code, new String[] {"???", "???"});
        String msg = message == null ? s[0] : message;
        return ("""
                <!DOCTYPE HTML>
                <html lang="en">
                    <head>
                        <meta charset="utf-8">
                        <title>Error response</title>
                    </head>
                    <body>
                        <h1>Error response</h1>
                        <p>Error code: %d</p>
                        <p>Message: %s.</p>
                        <p>Error code explanation: %d - %s.</p>
                    </body>
                </html>
                """).formatted(code, PercentCodec.html(msg), code, PercentCodec.html(s[1]))
                .getBytes(StandardCharsets.UTF_8);
    }
}
