"""The UDP server of notes A §7 / notes B udp协议: each datagram back upper-cased.

Stops after the number of datagrams given as the second argument (default: forever).
"""
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9696
count = int(sys.argv[2]) if len(sys.argv) > 2 else None
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", port))
print(f"listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
served = 0
while count is None or served < count:
    data, addr = server.recvfrom(1024)
    print(f"python server got {data!r}", flush=True)
    server.sendto(data.decode("utf-8").upper().encode("utf-8"), addr)
    served += 1
server.close()
