"""Drives a ChordFS node with the real Python msgpack-rpc-python 0.4.1 client.

Usage: python compat/msgpackrpc_client_check.py HOST PORT JOINER_HOST JOINER_PORT [secret-ring]

HOST:PORT is a node in a ring; JOINER_HOST:JOINER_PORT is a fresh node alone in its own
ring, which is asked to join HOST:PORT's ring. With "secret-ring" the nodes have a cluster
secret: the read-only methods must work as ever, and the join, which comes from outside, must
be refused with an error (recorded as "join_error"). The client is used exactly as the course
scripts use it: one msgpackrpc.Client per node, timeout=10, strings coming back as bytes
(node[0].decode()). Prints one JSON object with what was observed on stdout; the Java test
(chord-core PythonClientCompatTest) judges it. Exits non-zero, with the reason on stderr,
when a call raises where it should not, or does not raise where it should.
"""

import hashlib
import json
import sys
import traceback

import msgpackrpc
import msgpackrpc.error


def key(name):
    return int(hashlib.md5(name.encode()).hexdigest(), 16) & 0xffffffff


def node_json(node):
    """[ip, port, id] as the course scripts read it: the ip arrives as bytes."""
    if not isinstance(node, (list, tuple)) or len(node) != 3:
        raise AssertionError("not a node [ip, port, id]: %r" % (node,))
    ip, port, ident = node
    if not isinstance(ip, bytes):
        raise AssertionError("ip should decode as bytes with msgpack-rpc-python, got %r" % (ip,))
    if not isinstance(port, int) or not isinstance(ident, int):
        raise AssertionError("port and id should be ints: %r" % (node,))
    return [ip.decode(), port, ident]


def error_text(e):
    """The error object the server sent, as text (it arrives as bytes)."""
    arg = e.args[0] if e.args else ""
    if isinstance(arg, bytes):
        return arg.decode("utf-8", "replace")
    return str(arg)


def expect_rpc_error(what, fn):
    try:
        result = fn()
    except msgpackrpc.error.RPCError as e:
        return {"type": type(e).__name__, "text": error_text(e), "repr": repr(e)}
    raise AssertionError("%s should raise RPCError, returned %r" % (what, result))


def main(argv):
    if len(argv) not in (5, 6) or (len(argv) == 6 and argv[5] != "secret-ring"):
        sys.stderr.write("usage: %s HOST PORT JOINER_HOST JOINER_PORT [secret-ring]\n" % argv[0])
        return 2
    secret_ring = len(argv) == 6
    host, port = argv[1], int(argv[2])
    joiner_host, joiner_port = argv[3], int(argv[4])
    out = {}

    client = msgpackrpc.Client(msgpackrpc.Address(host, port), timeout=10)
    info = client.call("get_info")
    out["info"] = node_json(info)

    def snapshot():
        return {
            "successors": [node_json(client.call("get_successor", i)) for i in range(5)],
            "predecessor": node_json(client.call("get_predecessor")),
        }

    # upload.py calls create() on its entry node before every upload: must change nothing.
    out["before_create"] = snapshot()
    out["create_again"] = client.call("create")
    after = snapshot()
    out["successors"] = after["successors"]
    out["predecessor"] = after["predecessor"]
    out["get_successor_noarg"] = node_json(client.call("get_successor"))

    ids = [key("a.txt"), 0, 4294967295, 1, 2147483648, key("hello.bin_chunk_1"), out["info"][2]]
    out["find_successor"] = {str(i): node_json(client.call("find_successor", i)) for i in ids}

    # A harmless notify: the node's own predecessor, passed on as received (ip as bytes).
    pred_raw = client.call("get_predecessor")
    out["notify"] = client.call("notify", pred_raw)
    out["after_notify"] = node_json(client.call("get_predecessor"))

    out["bad_call_errors"] = {
        "find_successor_string": expect_rpc_error(
            "find_successor('notanumber')", lambda: client.call("find_successor", "notanumber")),
        "find_successor_negative": expect_rpc_error(
            "find_successor(-1)", lambda: client.call("find_successor", -1)),
        "find_successor_too_big": expect_rpc_error(
            "find_successor(2**32)", lambda: client.call("find_successor", 4294967296)),
        "find_successor_no_args": expect_rpc_error(
            "find_successor()", lambda: client.call("find_successor")),
        "get_successor_out_of_range": expect_rpc_error(
            "get_successor(99)", lambda: client.call("get_successor", 99)),
        "notify_not_a_node": expect_rpc_error(
            "notify('x')", lambda: client.call("notify", "x")),
    }
    out["unknown_method_error"] = expect_rpc_error(
        "no_such_method()", lambda: client.call("no_such_method", 1, 2))
    # The same client and connection must still work after the error answers.
    out["info_after_errors"] = node_json(client.call("get_info"))
    client.close()

    joiner = msgpackrpc.Client(msgpackrpc.Address(joiner_host, joiner_port), timeout=10)
    out["joiner_info"] = node_json(joiner.call("get_info"))
    entry = out["info"]
    if secret_ring:
        out["join_error"] = expect_rpc_error(
            "join from outside a ring with a secret", lambda: joiner.call("join", [entry[0], entry[1], entry[2]]))
    else:
        out["join"] = joiner.call("join", [entry[0], entry[1], entry[2]])
    out["joiner_successor"] = node_json(joiner.call("get_successor"))
    joiner.close()

    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:  # report every unexpected failure, including RPCError, on stderr
        traceback.print_exc()
        sys.exit(1)
