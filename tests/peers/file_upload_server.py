"""An upload server in notes C's dialect: reads struct.unpack('i') header length, the JSON
header {filepath, filename, filesize}, then filesize bytes into DIR/filename; sends no
answer. Unlike the notes, it counts the bytes recv really returned and keeps only the
base name. One client. Usage: file_upload_server.py PORT DIR"""
import json
import os
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


port, target = int(sys.argv[1]), sys.argv[2]
sk = socket.socket()
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sk.bind(("127.0.0.1", port))
sk.listen()
print(f"listening on 127.0.0.1:{sk.getsockname()[1]}", flush=True)
conn, _ = sk.accept()
(head_len,) = struct.unpack("i", recv_exactly(conn, 4))
head = json.loads(recv_exactly(conn, head_len).decode("utf-8"))
filesize = head["filesize"]
with open(os.path.join(target, os.path.basename(head["filename"])), "wb") as f:
    got = 0
    while got < filesize:
        content = conn.recv(min(filesize - got, 65536))
        if not content:
            break
        f.write(content)
        got += len(content)
print(f"python server got {head['filename']}: {got} of {filesize} bytes, keys {sorted(head)}", flush=True)
conn.close()
sk.close()
