"""A download server in notes A §9.2's dialect: reads a bare file name with recv(1024),
answers struct.pack('i', len(header)) + JSON header (file_name, file_type, file_hex,
data_all) + the file, streamed. Serves files from DIR; one client; ends on 'q' or close.
Usage: file_download_server.py PORT DIR"""
import hashlib
import json
import os
import socket
import struct
import sys

port, served = int(sys.argv[1]), sys.argv[2]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
conn, _ = server.accept()
while True:
    request = conn.recv(1024)
    if not request or request == b"q":
        break
    name = os.path.basename(request.decode("utf-8"))
    path = os.path.join(served, name)
    md5 = hashlib.md5()
    with open(path, "rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            md5.update(block)
    stem, _, ext = name.rpartition(".")
    header = json.dumps({"file_name": stem, "file_type": ext,
                         "file_hex": md5.hexdigest(),
                         "data_all": os.path.getsize(path)}).encode("utf-8")
    conn.sendall(struct.pack("i", len(header)) + header)
    with open(path, "rb") as fp:
        conn.sendfile(fp)
    print(f"python server sent {name}", flush=True)
conn.close()
server.close()
