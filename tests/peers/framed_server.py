"""A command server that frames both ways: it reads each request as a struct.unpack('i')
header and the body, and answers `echo TEXT` and `bytes N` with one frame each. The notes'
servers frame only the answer (bare_command_server.py is that wire); this one is for the
course's own clients that frame their requests too (lesson 13). Serves the number of
clients given as the second argument."""
import socket
import struct
import sys

PATTERN = b"0123456789abcdef"


def recv_exactly(sock, n):
    parts, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 65536))
        if not chunk:
            return None if got == 0 else b""
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


port = int(sys.argv[1])
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 1
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
for _ in range(clients):
    conn, _ = server.accept()
    while True:
        header = recv_exactly(conn, 4)
        if not header:
            break
        (n,) = struct.unpack("i", header)
        command = recv_exactly(conn, n).decode("utf-8")
        print(f"python server got frame {command!r}", flush=True)
        name, _, arg = command.partition(" ")
        if name == "bytes":
            count = int(arg)
            answer = (PATTERN * (count // len(PATTERN) + 1))[:count]
        else:
            answer = (arg + "\n").encode("utf-8")
        conn.sendall(struct.pack("i", len(answer)) + answer)
    conn.close()
server.close()
