"""The echo client of notes A §4 / §8: lines from stdin, empty ones skipped, `q` quits."""
import socket
import sys

port = int(sys.argv[1])
client = socket.socket()
client.connect(("127.0.0.1", port))
for line in sys.stdin:
    data = line.strip()
    if not data:
        continue
    client.send(data.encode("utf-8"))
    if data == "q":
        break
    reply = client.recv(1024)
    print(f"python client got: {reply.decode('utf-8')}", flush=True)
client.close()
