"""A framed command server: reads frames (struct.unpack('i') header, then the body) and
answers `echo TEXT` and `bytes N` with one frame each. Serves the number of clients given
as the second argument. With `bare` as the third argument it reads each request the
notes' way instead: one recv(1024), the bare command (lesson 06's client after it learned
the notes' wire); the answer is framed either way.

Not the notes' wire in one respect: the notes' servers (notes C 方案一, notes D, notes E §8)
read a bare command with recv(1024) and frame only the answer. This server reads framed
requests, which is what lesson 13's client sends (and what lets a test send a 5 MB answer
request without 粘包 in the request). The notes' own servers are run as written in
tests/notes_programs.rs."""
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
bare = len(sys.argv) > 3 and sys.argv[3] == "bare"
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
for _ in range(clients):
    conn, _ = server.accept()
    while True:
        if bare:
            # The notes' read: whatever one recv returns is the command. The client waits
            # for each answer before it sends the next, so commands do not merge.
            request = conn.recv(1024)
            if not request:
                break
            command = request.decode("utf-8").rstrip("\n")
            print(f"python server got command {command!r}", flush=True)
        else:
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
