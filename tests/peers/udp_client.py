"""The UDP client of notes A §7: lines from stdin, each one datagram, one answer each."""
import socket
import sys

port = int(sys.argv[1])
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(30)  # UDP answers can be lost; never wait forever in a test
for line in sys.stdin:
    data = line.strip()
    client.sendto(data.encode("utf-8"), ("127.0.0.1", port))
    reply, _ = client.recvfrom(1024)
    print(f"python client got: {reply.decode('utf-8')!r}", flush=True)
client.close()
