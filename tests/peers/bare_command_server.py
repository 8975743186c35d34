"""A command server on the notes' wire (notes C 方案一, notes D 解决粘包问题, notes E §8
进阶思路): one recv(1024) is one command, bare; the answer goes back as struct.pack('i', n)
and n bytes, in one sendall. It answers `echo TEXT` and `bytes N` (the lessons' portable
commands) instead of running a shell. Serves the number of clients given as the second
argument."""
import socket
import struct
import sys

PATTERN = b"0123456789abcdef"

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
        request = conn.recv(1024)
        if not request:
            break
        command = request.decode("utf-8")
        print(f"python server got command {command!r}", flush=True)
        name, _, arg = command.partition(" ")
        if name == "bytes":
            count = int(arg)
            answer = (PATTERN * (count // len(PATTERN) + 1))[:count]
        else:
            answer = (arg + "\n").encode("utf-8")
        conn.sendall(struct.pack("i", len(answer)) + answer)
    conn.close()
server.close()
