package io.chordfs.node.http;

import java.util.Locale;
import java.util.Map;

/**
 * Content-Type from a file name, as Python's {@code SimpleHTTPRequestHandler.guess_type} answers on
 * the Debian/Python 3.11 hosts uploadserver runs on ({@code mimetypes} plus {@code /etc/mime.types}):
 * the last extension decides, case-insensitively; text types carry no charset; anything unknown is
 * {@code application/octet-stream}. A small fixed table, so the answer does not depend on the host.
 */
final class MimeTypes {
    static final String DEFAULT = "application/octet-stream";

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("txt", "text/plain"),
            Map.entry("text", "text/plain"),
            Map.entry("log", "text/plain"),
            Map.entry("md", "text/markdown"),
            Map.entry("html", "text/html"),
            Map.entry("htm", "text/html"),
            Map.entry("css", "text/css"),
            Map.entry("csv", "text/csv"),
            Map.entry("js", "text/javascript"),
            Map.entry("mjs", "text/javascript"),
            Map.entry("py", "text/x-python"),
            Map.entry("sh", "text/x-sh"),
            Map.entry("json", "application/json"),
            Map.entry("xml", "application/xml"),
            Map.entry("pdf", "application/pdf"),
            Map.entry("zip", "application/zip"),
            Map.entry("gz", "application/gzip"),
            Map.entry("tgz", "application/x-tar"),
            Map.entry("tar", "application/x-tar"),
            Map.entry("bz2", "application/x-bzip2"),
            Map.entry("xz", "application/x-xz"),
            Map.entry("jar", "application/java-archive"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("ico", "image/vnd.microsoft.icon"),
            Map.entry("mp3", "audio/mpeg"),
            Map.entry("mp4", "video/mp4"),
            Map.entry("webm", "video/webm"),
            Map.entry("mkv", "video/x-matroska"));

    private MimeTypes() {}

    static String guess(String name) {
        int dot = name.lastIndexOf('.');
        // posixpath.splitext: a leading dot (".bashrc") is not an extension.
        if (dot <= 0 || dot == name.length() - 1 || name.substring(0, dot).chars().allMatch(c -> c == '.')) {
            return DEFAULT;
        }
        return TYPES.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
