"""One request, one reply, like notes A §2: accept one client, recv(1024) once, answer once."""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9696
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", port))
server.listen(5)
print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
conn, addr = server.accept()
data = conn.recv(1024)
print(f"python server got {data!r} from {addr[0]}:{addr[1]}", flush=True)
conn.send(f"你好!我是服务端!{addr}".encode("utf-8"))
conn.close()
server.close()
