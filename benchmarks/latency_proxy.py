"""A loopback TCP proxy that puts a remote data centre between Django and its services.

    python latency_proxy.py --delay-ms 10 --control PORT --route pg:LISTEN:UPSTREAM [--route redis:...]

Every chunk is forwarded `delay` later in each direction (so a round trip costs 2 x delay), a
new connection waits one round trip before its first byte goes through (the TCP handshake),
and a close travels with the same delay.  Bytes pass through untouched: TLS is end to end.

Round trips are counted per route as client->server bursts: the client speaking again after
the server spoke (or for the first time) starts one; a TCP handshake counts one more.
The control port answers one line per connection: "stats" (JSON counters) or "reset".
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter

COUNTERS: dict[str, Counter[str]] = {}


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float, on_data: object) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def pump() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    task = asyncio.create_task(pump())
    try:
        while True:
            try:
                data = await reader.read(65536)
            except (ConnectionError, OSError):
                data = b""
            if data:
                on_data()  # type: ignore[operator]
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                break
        await task
    except (ConnectionError, OSError):
        writer.close()


def handler(name: str, upstream: int, delay: float):  # type: ignore[no-untyped-def]
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        counters = COUNTERS[name]
        counters["connections"] += 1
        counters["round_trips"] += 1  # SYN / SYN-ACK
        await asyncio.sleep(2 * delay)
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            client_w.close()
            return
        last = {"from": "server"}

        def client_spoke() -> None:
            if last["from"] != "client":
                counters["round_trips"] += 1
            last["from"] = "client"

        def server_spoke() -> None:
            last["from"] = "server"

        await asyncio.gather(
            pipe(client_r, server_w, delay, client_spoke), pipe(server_r, client_w, delay, server_spoke)
        )

    return handle


async def control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    command = (await reader.readline()).decode().strip()
    if command == "reset":
        for counters in COUNTERS.values():
            counters.clear()
    writer.write((json.dumps({k: dict(v) for k, v in COUNTERS.items()}) + "\n").encode())
    await writer.drain()
    writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay-ms", type=float, default=10.0)
    parser.add_argument("--control", type=int, required=True)
    parser.add_argument("--route", action="append", default=[], help="name:listen_port:upstream_port")
    args = parser.parse_args()
    delay = args.delay_ms / 1000
    servers = [await asyncio.start_server(control, "127.0.0.1", args.control)]
    for route in args.route:
        name, listen, upstream = route.split(":")
        COUNTERS[name] = Counter()
        servers.append(await asyncio.start_server(handler(name, int(upstream), delay), "127.0.0.1", int(listen)))
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main())
