"""Upper-case echo with a connection loop, like notes A §8 / notes C 第三版.

Serves clients one after another; `q` or a closed connection ends a client. Stops after
the number of clients given as the second argument (default: forever).
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9696
clients = int(sys.argv[2]) if len(sys.argv) > 2 else None
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(5)
print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
served = 0
while clients is None or served < clients:
    conn, addr = server.accept()
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionResetError:
            break
        if not data or data == b"q":
            break
        print(f"python server got {data!r}", flush=True)
        conn.send(data.decode("utf-8").upper().encode("utf-8"))
    conn.close()
    served += 1
server.close()
