"""A client on the notes' struct wire (notes C 方案一, notes E §8 进阶思路, notes A §9.1): each
command goes out bare, as the notes send it (`send(cmd.encode())`, no header), and each
answer is read as a struct.pack('i') header and exactly that many bytes. It waits for each
answer before sending the next command, as the notes' input loop does, so two commands
cannot merge on the wire. Commands come from the command line after the port.

What it adds to the notes' own clients (run as written in tests/notes_programs.rs): it
counts the bytes recv really returned, and checks a `bytes N` answer's pattern."""
import socket
import struct
import sys

PATTERN = b"0123456789abcdef"


def recv_exactly(sock, n):
    # The loop the notes' programs get wrong: count what really arrived, not the buffer size.
    parts, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 65536))
        if not chunk:
            raise EOFError(f"the stream ended after {got} of {n} bytes")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


port = int(sys.argv[1])
client = socket.create_connection(("127.0.0.1", port))
for command in sys.argv[2:]:
    body = command.encode("utf-8")
    client.sendall(body)
    (n,) = struct.unpack("i", recv_exactly(client, 4))
    answer = recv_exactly(client, n)
    note = ""
    if command.startswith("bytes "):
        expected = (PATTERN * (n // len(PATTERN) + 1))[:n]
        note = ", pattern ok" if answer == expected else ", PATTERN WRONG"
    print(f"python client got {n} bytes{note}: {answer[:16]!r}", flush=True)
client.close()
