"""notes E §6 验证客户端合法性, the server: one client, 32 random bytes out, recv(16) back,
compare with hmac.new(secret, challenge, 'md5') and print the verdict. Like the notes, it
sends the client no verdict. Python 3.8+ requires the digest name the notes leave out (their
hmac.new(salt, random_bytes) relied on the old MD5 default).

usage: hmac_server.py PORT SECRET
"""
import hmac
import os
import socket
import sys

port, secret = int(sys.argv[1]), sys.argv[2].encode("utf-8")
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen()
print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
conn, addr = server.accept()
challenge = os.urandom(32)
expected = hmac.new(secret, challenge, "md5").digest()
conn.sendall(challenge)
answer = conn.recv(16)
if answer != expected:
    print("连接不合法", flush=True)
else:
    print("合法连接", flush=True)
conn.close()
server.close()
