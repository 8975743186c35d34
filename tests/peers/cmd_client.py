"""A command client in the notes' two styles: 'len' (notes A §9.1: bare command,
struct.unpack('i') length, output) or 'json' (notes C 方案二 / notes D: bare command,
header length, JSON header with total_size, output). Prints each output's size and its
last line. Usage: cmd_client.py PORT len|json COMMAND..."""
import json
import socket
import struct
import sys


def recv_exactly(sock, n):
    parts, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 65536))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


port, style, commands = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
client = socket.create_connection(("127.0.0.1", port))
for cmd in commands:
    client.sendall(cmd.encode("utf-8"))
    (n,) = struct.unpack("i", recv_exactly(client, 4))
    if style == "json":
        header = json.loads(recv_exactly(client, n).decode("utf-8"))
        n = header["total_size"]
        extra = f", md5 {header['md5']}"
    else:
        extra = ""
    output = recv_exactly(client, n)
    last = output.decode("utf-8").rstrip("\n").rsplit("\n", 1)[-1]
    print(f"{cmd}: {len(output)} bytes{extra}, last line {last!r}", flush=True)
client.sendall(b"q")
client.close()
