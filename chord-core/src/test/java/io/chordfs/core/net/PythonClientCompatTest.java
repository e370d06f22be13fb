package io.chordfs.core.net;

import io.chordfs.core.chord.ChordConfig;
import io.chordfs.core.chord.ChordListener;
import io.chordfs.core.chord.ChordNode;
import io.chordfs.core.chord.ClusterSecret;
import io.chordfs.core.chord.RingCheck;
import io.chordfs.core.chord.Wire;
import io.chordfs.core.ring.Keys;
import io.chordfs.core.ring.NodeRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real Python client the course scripts use, msgpack-rpc-python 0.4.1 (with msgpack-python
 * 0.5.6 and tornado 4), against real nodes on loopback sockets. The Python side is
 * {@code compat/msgpackrpc_client_check.py} (every method) and {@code compat/kill_check.py} (kill
 * with and without a cluster secret), run with the interpreter of {@code .venv} (made by
 * {@code scripts/setup-python}); each reports what it saw as JSON, judged here against the
 * nodes' own state.
 */
class PythonClientCompatTest {
    private static final long PYTHON_TIMEOUT_SECONDS = 60;
    private static final String SCRIPT = "compat/msgpackrpc_client_check.py";
    private static final String KILL_SCRIPT = "compat/kill_check.py";

    private final List<ChordService> services = new ArrayList<>();

    @AfterEach
    void stopAll() {
        services.forEach(ChordService::close);
    }

    @Test
    void msgpackRpcPythonClientCallsEveryMethodAndJoinsANode() throws Exception {
        Path python = pythonInterpreter();
        Path script = findRepoFile(SCRIPT);

        ChordConfig fast = ChordConfig.defaults().withPeriods(50, 50);
        List<ChordService> ring = startRing(4, fast);
        ChordService joiner = start(fast);
        joiner.create().get(5, TimeUnit.SECONDS);

        // Not the creator: the entry node is an ordinary member, as any node of a long-lived ring.
        ChordService entry = ring.get(2);
        List<Object> successorsBefore = Wire.nodes(entry.node().successors());
        NodeRef predecessorBefore = entry.node().predecessor();
        assertNotNull(predecessorBefore, "a converged ring gives every node a predecessor");

        PythonRun run = runPython(python, script, entry.self().ip(), String.valueOf(entry.self().port()),
                joiner.self().ip(), String.valueOf(joiner.self().port()));
        String context = "\n--- python stdout ---\n" + run.stdout + "\n--- python stderr ---\n" + run.stderr;
        assertEquals(0, run.exitCode, "the Python client check failed (if it cannot import msgpackrpc,"
                + " run scripts/setup-python)" + context);
        Map<String, Object> out = asMap(Json.parse(run.stdout.strip()), context);

        // get_info and the ring pointers, decoded by the client as bytes and re-encoded as text.
        assertEquals(Wire.node(entry.self()), out.get("info"), "get_info" + context);
        assertEquals(successorsBefore, out.get("successors"), "get_successor(0..4) vs the node's successor list" + context);
        assertEquals(successorsBefore.get(0), out.get("get_successor_noarg"), "get_successor()" + context);
        assertEquals(Wire.node(predecessorBefore), out.get("predecessor"), "get_predecessor" + context);

        // upload.py's create() on a node already in a ring: answered nil, nothing changed.
        assertTrue(out.containsKey("create_again"), context);
        assertNull(out.get("create_again"), "create answers nil" + context);
        Map<String, Object> beforeCreate = asMap(out.get("before_create"), context);
        assertEquals(beforeCreate.get("successors"), out.get("successors"), "create changed the successors" + context);
        assertEquals(beforeCreate.get("predecessor"), out.get("predecessor"), "create changed the predecessor" + context);
        assertTrue(entry.node().inRing(), "the entry node is still in its ring after create");

        // find_successor answers the true owner among the 4 members.
        Map<String, Object> lookups = asMap(out.get("find_successor"), context);
        assertTrue(lookups.containsKey(String.valueOf(Keys.key("a.txt"))), "key(\"a.txt\") was looked up" + context);
        assertEquals(607204990L, Keys.key("a.txt"));
        assertTrue(lookups.keySet().containsAll(List.of("607204990", "0", "4294967295")), context);
        for (Map.Entry<String, Object> e : lookups.entrySet()) {
            long id = Long.parseLong(e.getKey());
            assertEquals(Wire.node(owner(ring, id)), e.getValue(), "find_successor(" + id + ")" + context);
        }

        // notify with the node's own predecessor: nil, and the predecessor stays.
        assertTrue(out.containsKey("notify"), context);
        assertNull(out.get("notify"), "notify answers nil" + context);
        assertEquals(Wire.node(predecessorBefore), out.get("after_notify"), "a harmless notify changed the predecessor" + context);

        // Bad calls raise msgpackrpc.error.RPCError with a text that names the problem.
        Map<String, Object> errors = asMap(out.get("bad_call_errors"), context);
        assertError(errors, "find_successor_string", context, "find_successor");
        assertError(errors, "find_successor_negative", context, "find_successor", "-1");
        assertError(errors, "find_successor_too_big", context, "find_successor", "4294967296");
        assertError(errors, "find_successor_no_args", context, "find_successor", "argument");
        assertError(errors, "get_successor_out_of_range", context, "get_successor", "99");
        assertError(errors, "notify_not_a_node", context, "notify");
        assertError(Map.of("unknown", out.get("unknown_method_error")), "unknown", context, "no_such_method");
        // ... and the same client (same connection) still works afterwards.
        assertEquals(Wire.node(entry.self()), out.get("info_after_errors"), "get_info after the errors" + context);

        // join from the Python client: the lone node becomes a member of the 4-node ring.
        assertEquals(Wire.node(joiner.self()), out.get("joiner_info"), context);
        assertTrue(out.containsKey("join"), context);
        assertNull(out.get("join"), "join answers nil" + context);
        assertFalse(Wire.node(joiner.self()).equals(out.get("joiner_successor")),
                "after join the joiner's successor is a ring member, not itself" + context);
        List<ChordService> all = new ArrayList<>(ring);
        all.add(joiner);
        await(() -> RingCheck.consistent(nodes(all), true), 30_000, "the joiner and the 4 nodes form one ring");
        assertEquals(owner(all, joiner.self().id()), joiner.self());
    }

    /**
     * Against a ring with a cluster secret, the course's client sees the read-only methods as
     * ever, create and notify answer nil and change nothing, and a join from outside is refused.
     */
    @Test
    void msgpackRpcPythonClientWorksAgainstARingWithASecretThatKeepsOutsidersOut() throws Exception {
        Path python = pythonInterpreter();
        Path script = findRepoFile(SCRIPT);
        ChordConfig fast = ChordConfig.defaults().withPeriods(50, 50);
        List<ChordService> ring = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // each node its own secret instance, as each process has
            ChordService s = start(fast.withClusterSecret(ClusterSecret.of("ring-secret")));
            ring.add(s);
            if (i == 0) {
                s.create().get(5, TimeUnit.SECONDS);
            } else {
                s.join(ring.get(0).self().address()).get(10, TimeUnit.SECONDS);
            }
        }
        await(() -> RingCheck.consistent(nodes(ring), true), 30_000, "4 nodes with a secret form one ring");
        ChordService entry = ring.get(1);
        List<Object> successorsBefore = Wire.nodes(entry.node().successors());
        NodeRef predecessorBefore = entry.node().predecessor();

        // The client asks a member to join through another: from outside, that is refused.
        PythonRun run = runPython(python, script, entry.self().ip(), String.valueOf(entry.self().port()),
                ring.get(3).self().ip(), String.valueOf(ring.get(3).self().port()), "secret-ring");
        String context = "\n--- python stdout ---\n" + run.stdout + "\n--- python stderr ---\n" + run.stderr;
        assertEquals(0, run.exitCode, "the Python client check failed" + context);
        Map<String, Object> out = asMap(Json.parse(run.stdout.strip()), context);
        assertEquals(Wire.node(entry.self()), out.get("info"), context);
        assertEquals(successorsBefore, out.get("successors"), context);
        assertEquals(Wire.node(predecessorBefore), out.get("predecessor"), context);
        assertNull(out.get("create_again"), context);
        assertNull(out.get("notify"), context);
        assertEquals(Wire.node(predecessorBefore), out.get("after_notify"), context);
        for (Map.Entry<String, Object> e : asMap(out.get("find_successor"), context).entrySet()) {
            long id = Long.parseLong(e.getKey());
            assertEquals(Wire.node(owner(ring, id)), e.getValue(), "find_successor(" + id + ")" + context);
        }
        assertError(Map.of("join", out.get("join_error")), "join", context, "cluster secret");

        // A node without the secret that joins through a member is never adopted by one.
        ChordService outsider = start(fast);
        outsider.join(entry.self().address()).get(10, TimeUnit.SECONDS);
        Thread.sleep(1_000);
        assertTrue(RingCheck.consistent(nodes(ring), true), "the ring is still its 4 members");
        for (ChordService m : ring) {
            assertFalse(m.node().successors().contains(outsider.self()), "no member follows the outsider");
            assertNotEquals(outsider.self(), m.node().predecessor());
        }
    }

    @Test
    void msgpackRpcPythonClientsKillNeedsTheClusterSecretWhenOneIsSet() throws Exception {
        Path python = pythonInterpreter();
        Path script = findRepoFile(KILL_SCRIPT);
        List<ChordService> ring = startRing(3, ChordConfig.defaults().withPeriods(50, 50)
                .withClusterSecret(ClusterSecret.of("s3cret")));
        ChordService target = ring.get(1);
        CountDownLatch killed = killLatch(target);

        PythonRun run = runPython(python, script, target.self().ip(), String.valueOf(target.self().port()), "s3cret");
        String context = "\n--- python stdout ---\n" + run.stdout + "\n--- python stderr ---\n" + run.stderr;
        assertEquals(0, run.exitCode, "the Python kill check failed" + context);
        Map<String, Object> out = asMap(Json.parse(run.stdout.strip()), context);
        for (String refusal : List.of("kill_no_args", "kill_wrong")) {
            assertTrue(String.valueOf(out.get(refusal)).contains("kill requires the cluster secret"), refusal + context);
        }
        assertEquals(target.self().id(), out.get("info_after_refusals"), "the node serves on after the refusals" + context);
        assertTrue(out.containsKey("kill"), context);
        assertNull(out.get("kill"), "kill(secret) answers nil" + context);
        assertTrue(killed.await(5, TimeUnit.SECONDS), "kill(secret) reached the host");
        assertFalse(target.node().inRing());
        List<ChordService> rest = List.of(ring.get(0), ring.get(2));
        await(() -> RingCheck.consistent(nodes(rest), true), 30_000, "the other 2 form one ring");
    }

    @Test
    void withoutAClusterSecretThePythonClientsKillWorksAsBefore() throws Exception {
        Path python = pythonInterpreter();
        Path script = findRepoFile(KILL_SCRIPT);
        ChordService lone = start(ChordConfig.defaults().withPeriods(50, 50));
        lone.create().get(5, TimeUnit.SECONDS);
        CountDownLatch killed = killLatch(lone);

        PythonRun run = runPython(python, script, lone.self().ip(), String.valueOf(lone.self().port()));
        String context = "\n--- python stdout ---\n" + run.stdout + "\n--- python stderr ---\n" + run.stderr;
        assertEquals(0, run.exitCode, "kill() without arguments failed" + context);
        Map<String, Object> out = asMap(Json.parse(run.stdout.strip()), context);
        assertTrue(out.containsKey("kill"), context);
        assertNull(out.get("kill"), "kill() answers nil" + context);
        assertTrue(killed.await(5, TimeUnit.SECONDS), "kill() reached the host");
    }

    private static CountDownLatch killLatch(ChordService s) {
        CountDownLatch killed = new CountDownLatch(1);
        s.setListener(new ChordListener() {
            @Override
            public void killed() {
                killed.countDown();
            }
        });
        return killed;
    }

    private static void assertError(Map<String, Object> errors, String name, String context, String... mentions) {
        Map<String, Object> e = asMap(errors.get(name), name + context);
        assertEquals("RPCError", e.get("type"), name + ": exception class" + context);
        String text = (String) e.get("text");
        assertNotNull(text, name + context);
        assertFalse(text.isBlank(), name + ": the error text is empty" + context);
        for (String m : mentions) {
            assertTrue(text.contains(m), name + ": error text '" + text + "' should mention '" + m + "'" + context);
        }
    }

    // ---- the Python side -----------------------------------------------------------------------

    private record PythonRun(int exitCode, String stdout, String stderr) {}

    private static PythonRun runPython(Path python, Path script, String... args) throws Exception {
        Path stdout = Files.createTempFile("chordfs-pycompat", ".out");
        Path stderr = Files.createTempFile("chordfs-pycompat", ".err");
        try {
            List<String> command = new ArrayList<>(List.of(python.toString(), script.toString()));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            pb.environment().put("PYTHONIOENCODING", "utf-8");
            Process p = pb.start();
            if (!p.waitFor(PYTHON_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail("the Python script " + script.getFileName() + " did not finish within " + PYTHON_TIMEOUT_SECONDS + " s"
                        + "\n--- python stdout ---\n" + Files.readString(stdout)
                        + "\n--- python stderr ---\n" + Files.readString(stderr));
            }
            return new PythonRun(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** The venv's interpreter (system property chordfs.python, set by chord-core's pom). Missing: fail. */
    private static Path pythonInterpreter() {
        String configured = System.getProperty("chordfs.python");
        Path python = configured != null && !configured.isBlank()
                ? Path.of(configured).toAbsolutePath().normalize()
                : findRepoRoot().resolve(".venv/bin/python");
        if (!Files.isExecutable(python)) {
            fail("no Python interpreter with msgpack-rpc-python at " + python
                    + ": run scripts/setup-python at the repository root (it creates .venv from compat/requirements.txt)");
        }
        return python;
    }

    private static Path findRepoFile(String relative) {
        Path file = findRepoRoot().resolve(relative);
        assertTrue(Files.isRegularFile(file), "missing " + file);
        return file;
    }

    /** The repository root: the nearest directory up from the working directory with compat/. */
    private static Path findRepoRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(SCRIPT))) {
                return d;
            }
        }
        throw new AssertionError("cannot find " + SCRIPT + " above " + Path.of("").toAbsolutePath());
    }

    // ---- the ring ------------------------------------------------------------------------------

    private List<ChordService> startRing(int n, ChordConfig config) throws Exception {
        List<ChordService> ring = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ChordService s = start(config);
            ring.add(s);
            if (i == 0) {
                s.create().get(5, TimeUnit.SECONDS);
            } else {
                s.join(ring.get(0).self().address()).get(10, TimeUnit.SECONDS);
            }
        }
        await(() -> RingCheck.consistent(nodes(ring), true), 30_000, n + " nodes form one ring");
        return ring;
    }

    private ChordService start(ChordConfig config) throws IOException {
        ChordService s = ChordService.start(ChordService.Options.of("127.0.0.1", 0).withChord(config));
        services.add(s);
        return s;
    }

    private static List<ChordNode> nodes(List<ChordService> live) {
        return live.stream().map(ChordService::node).toList();
    }

    private static NodeRef owner(List<ChordService> live, long id) {
        List<NodeRef> sorted = live.stream().map(ChordService::self).sorted(Comparator.comparingLong(NodeRef::id)).toList();
        return sorted.stream().filter(r -> r.id() >= id).findFirst().orElse(sorted.get(0));
    }

    private static void await(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object v, String context) {
        if (!(v instanceof Map<?, ?>)) {
            fail("expected a JSON object, got " + v + context);
        }
        return (Map<String, Object>) v;
    }

    // ---- JSON ----------------------------------------------------------------------------------

    /**
     * Just enough JSON for the script's report (chord-core has no JSON library): objects become
     * LinkedHashMap, arrays List, integers Long, other numbers Double, plus String, Boolean, null.
     */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.ws();
            if (p.i != text.length()) {
                throw p.error("trailing characters");
            }
            return v;
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", null);
                default:
                    return number();
            }
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                if (peek() != '"') {
                    throw error("expected a key");
                }
                String k = string();
                ws();
                expect(':');
                m.put(k, value());
                ws();
                if (peek() == ',') {
                    i++;
                } else {
                    expect('}');
                    return m;
                }
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                ws();
                if (peek() == ',') {
                    i++;
                } else {
                    expect(']');
                    return l;
                }
            }
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            i++;
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private Object number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String t = s.substring(start, i);
            if (t.isEmpty()) {
                throw error("unexpected character");
            }
            return t.matches("-?\\d+") ? (Object) Long.parseLong(t) : (Object) Double.parseDouble(t);
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) {
                throw error("expected " + word);
            }
            i += word.length();
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("bad JSON at " + i + ": " + what + " in " + s);
        }
    }
}
