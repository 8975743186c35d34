"""notes C 自制时间服务器, the server: each datagram is a strftime format (empty: the
default '%Y-%m-%d %X'); the answer is the local time in that format.

usage: time_server.py PORT
"""
import socket
import sys
import time

port = int(sys.argv[1])
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", port))
print(f"bound to 127.0.0.1:{server.getsockname()[1]}", flush=True)
while True:
    msg, addr = server.recvfrom(1024)
    fmt = msg.decode("utf-8") if msg else "%Y-%m-%d %X"
    answer = time.strftime(fmt, time.localtime())
    print(f"python time server: {fmt!r} -> {answer!r}", flush=True)
    server.sendto(answer.encode("utf-8"), addr)
