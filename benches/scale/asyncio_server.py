"""The bench's Python row: lesson 11's upper-case echo, framed as lesson 14 frames it, on
asyncio streams, the standard library's next step after the notes' setblocking(False) loop.
Written for the bench (benches/scale/mod.rs), not taken from the notes.

    python3 asyncio_server.py PORT

A frame is struct.pack('<i', n) and n bytes; the answer is the same header and the body
upper-cased. A header that is negative or over 16 MiB closes the connection, as lesson
14's does. It prints `listening on 127.0.0.1:PORT` once it listens, and nothing per
client: the bench measures serving, not logging.
"""

import asyncio
import struct
import sys

MAX_FRAME_LEN = 16 * 1024 * 1024


async def serve_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            header = await reader.readexactly(4)
            (length,) = struct.unpack("<i", header)
            if length < 0 or length > MAX_FRAME_LEN:
                break
            body = await reader.readexactly(length)
            writer.write(header + body.upper())
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    # backlog 1024, as lessons 11 and 14 listen: asyncio's default is 100.
    server = await asyncio.start_server(serve_client, "127.0.0.1", port, backlog=1024)
    host, real_port = server.sockets[0].getsockname()[:2]
    print(f"listening on {host}:{real_port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
