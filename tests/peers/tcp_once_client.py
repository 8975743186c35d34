"""One request, one reply, like notes A §2: connect, send once, recv(1024) once, close."""
import socket
import sys

port = int(sys.argv[1])
message = sys.argv[2] if len(sys.argv) > 2 else "你好!我是客户端!"
client = socket.socket()
client.connect(("127.0.0.1", port))
client.send(message.encode("utf-8"))
reply = client.recv(1024)
print(f"python client got: {reply.decode('utf-8')}", flush=True)
client.close()
