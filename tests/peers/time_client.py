"""notes C 自制时间服务器, the client: each line of stdin is a format, sent as one
datagram; the answer is printed. (The notes' client waits for ever; this one gives up
after 5 s so that a test cannot hang.)

usage: time_client.py PORT
"""
import socket
import sys

port = int(sys.argv[1])
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(5)
for line in sys.stdin:
    client.sendto(line.strip().encode("utf-8"), ("127.0.0.1", port))
    data = client.recv(1024)
    print("当前日期：", str(data, encoding="utf-8"), flush=True)
