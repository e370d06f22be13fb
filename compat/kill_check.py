"""Calls `kill` on a ChordFS node with the real Python msgpack-rpc-python 0.4.1 client.

Usage: python compat/kill_check.py HOST PORT [SECRET]

Without SECRET the node has no cluster secret: kill() is called as the course scripts and the
C++ reference nodes call it, with no argument, and must answer nil. With SECRET the node was
started with that cluster secret: kill() and kill(wrong) must raise RPCError and leave the node
serving on the same connection, then kill(SECRET) must answer nil. Prints one JSON object with
what was observed on stdout; the Java test (chord-core PythonClientCompatTest) judges it. Exits
non-zero, with the reason on stderr, when a call raises where it should not, or does not raise
where it should.
"""

import json
import sys
import traceback

import msgpackrpc

from msgpackrpc_client_check import expect_rpc_error


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: %s HOST PORT [SECRET]\n" % argv[0])
        return 2
    host, port = argv[1], int(argv[2])
    secret = argv[3] if len(argv) == 4 else None
    out = {}
    client = msgpackrpc.Client(msgpackrpc.Address(host, port), timeout=10)
    if secret is not None:
        out["kill_no_args"] = expect_rpc_error("kill()", lambda: client.call("kill"))["text"]
        out["kill_wrong"] = expect_rpc_error("kill(wrong)", lambda: client.call("kill", "not-" + secret))["text"]
        # The refusals changed nothing: the node answers on the same connection, with its own id.
        out["info_after_refusals"] = client.call("get_info")[2]
        out["kill"] = client.call("kill", secret)
    else:
        out["kill"] = client.call("kill")
    client.close()
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:  # report every unexpected failure, including RPCError, on stderr
        traceback.print_exc()
        sys.exit(1)
