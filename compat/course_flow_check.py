"""The teaching design's client flow, with its own libraries: upload a file to any node with
requests (as test_upload.py does), then find the owner through msgpack-rpc find_successor on
another node and download from the owner's port 5058 (as download.py does).

Usage: python course_flow_check.py UPLOAD_IP LOOKUP_IP NAME
Prints one JSON object: {"upload_status", "owner", "download_status", "same_bytes"}.
"""
import hashlib
import json
import os
import sys

import msgpackrpc
import requests


def key(name):
    return int(hashlib.md5(name.encode()).hexdigest(), 16) & 0xffffffff


def main():
    upload_ip, lookup_ip, name = sys.argv[1], sys.argv[2], sys.argv[3]
    content = os.urandom(100_000) + name.encode()
    r = requests.post("http://%s:5058/upload" % upload_ip, files={"files": (name, content)}, timeout=30)
    client = msgpackrpc.Client(msgpackrpc.Address(lookup_ip, 5057), timeout=10)
    node = client.call("find_successor", key(name))
    owner = node[0].decode()
    d = requests.get("http://%s:5058/%s" % (owner, name), timeout=30)
    print(json.dumps({
        "upload_status": r.status_code,
        "owner": [owner, node[1], node[2]],
        "download_status": d.status_code,
        "same_bytes": d.content == content,
    }))


if __name__ == "__main__":
    main()
