"""notes E §6 验证客户端合法性, the client: recv(32) the challenge, send
hmac.new(secret, challenge, 'md5').digest(). The notes' client stops there; this one then
reads one byte, to print the verdict the course's server sends (b'' from the notes' server).

usage: hmac_client.py PORT SECRET
"""
import hmac
import socket
import sys

port, secret = int(sys.argv[1]), sys.argv[2].encode("utf-8")
client = socket.socket()
client.connect(("127.0.0.1", port))
challenge = client.recv(32)
client.sendall(hmac.new(secret, challenge, "md5").digest())
print(f"python client sent its answer; verdict {client.recv(1)!r}", flush=True)
client.close()
