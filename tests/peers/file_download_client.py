"""A download client in notes A §9.2's dialect: sends the bare file name, reads
struct.unpack('i') header length, the JSON header (file_name, file_type, file_hex, data_all)
and data_all bytes, checks the md5 and saves 'nb_' + file_name + '.' + file_type.
Unlike the notes, it counts the bytes recv really returned.
Usage: file_download_client.py PORT DIR NAME..."""
import hashlib
import json
import os
import socket
import struct
import sys


def recv_exactly(sock, n):
    parts, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


port, target, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
client = socket.create_connection(("127.0.0.1", port))
for name in names:
    client.sendall(name.encode("utf-8"))
    (header_len,) = struct.unpack("i", recv_exactly(client, 4))
    header = json.loads(recv_exactly(client, header_len))
    if "error" in header:
        print(f"python client: the server refused: {header['error']}", flush=True)
        continue
    size = header["data_all"]
    md5 = hashlib.md5()
    saved = "nb_" + header["file_name"] + "." + header["file_type"]
    with open(os.path.join(target, saved), "wb") as fp:
        got = 0
        while got < size:
            chunk = client.recv(min(size - got, 1 << 20))
            if not chunk:
                break
            md5.update(chunk)
            fp.write(chunk)
            got += len(chunk)
    ok = md5.hexdigest() == header["file_hex"]
    print(f"python client saved {saved}: {got} bytes, md5 {'ok' if ok else 'BAD'}", flush=True)
client.sendall(b"q")
client.close()
