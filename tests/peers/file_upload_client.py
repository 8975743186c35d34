"""An upload client in notes C's dialect (FTP上传下载文件): header {filepath, filename,
filesize}, no md5, then the file with sendall, then close without waiting for an answer.
Usage: file_upload_client.py PORT PATH"""
import json
import os
import socket
import struct
import sys

port, path = int(sys.argv[1]), sys.argv[2]
head = {"filepath": os.path.dirname(path), "filename": os.path.basename(path),
        "filesize": os.path.getsize(path)}
bytes_head = json.dumps(head).encode("utf-8")
sk = socket.create_connection(("127.0.0.1", port))
sk.sendall(struct.pack("i", len(bytes_head)) + bytes_head)
with open(path, "rb") as f:
    sk.sendfile(f)
sk.close()
print(f"python client sent {head['filename']}: {head['filesize']} bytes", flush=True)
