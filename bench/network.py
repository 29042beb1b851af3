"""Workloads that look like the internet, against examples/net_server/: TLS from a
test CA, HTTP/2 by ALPN, 50 hosts, a simulated round trip, slow responses and gzip'd
30 KB pages.

Every tool gets one probe run first, which counts what it did on the wire as the
server saw it (connections opened and used, HTTP versions, requests in flight), then
RUNS timed runs, interleaved. All keep J requests in flight: wget2 runs with
--http2-request-window=1, since its default (30 streams on each of its J
connections) would put up to 30 × J in flight.
"""
import json
import math
import os
import shutil
import ssl
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from common import EXAMPLES, GATHER, HERE, RUNS, WORK, interleaved, mib, run, table, url_file, wrk_rate

J = 50
HOSTS = 50
RTT_MS = int(os.environ.get("RTT_MS", "40"))
CHARS = 100


class NetServer:
    """examples/net_server, started for the network workloads and stopped after them."""

    def __init__(self):
        self.ca = os.path.join(WORK, "net-ca.pem")
        self.process = subprocess.Popen(
            [os.path.join(EXAMPLES, "net_server"), self.ca, str(HOSTS), str(RTT_MS)],
            stdout=subprocess.PIPE, text=True,
        )
        self.urls = json.loads(self.process.stdout.readline())

    def control(self, path):
        with urllib.request.urlopen(self.urls["control"] + path) as response:
            return json.loads(response.read())

    def stop(self):
        self.process.kill()
        self.process.wait()


def measured_rtt(server):
    """(median keep-alive round trip, median seconds from connect to the TLS
    handshake's end), over HTTP/1.1 on the first delayed host: what the relay
    really adds. The first connection also warms the server up, so it is left out."""
    context = ssl.create_default_context(cafile=server.ca)
    context.set_alpn_protocols(["http/1.1"])
    address = urllib.parse.urlsplit(server.urls["tls"][0])
    handshakes, rounds = [], []
    for _ in range(4):
        start = time.perf_counter()
        with socket.create_connection((address.hostname, address.port)) as raw:
            with context.wrap_socket(raw, server_hostname=address.hostname) as tls:
                handshakes.append(time.perf_counter() - start)
                for _ in range(3):
                    sent = time.perf_counter()
                    tls.sendall(b"GET /slow/0 HTTP/1.1\r\nHost: bench\r\n\r\n")
                    received = b""
                    while not received.endswith(b"slept 0 ms"):
                        received += tls.recv(4096)
                    rounds.append(time.perf_counter() - sent)
    return statistics.median(rounds[3:]), statistics.median(handshakes[1:])


def commands(name, urls, ca):
    """The command of each installed tool for the list `urls` (a list of strings)."""
    path = url_file(f"{name}.txt", urls)
    tools = {"gather": [GATHER, "-q", "-k", "-j", str(J), "-n", str(CHARS), "--cacert", ca, "-i", path]}
    if shutil.which("curl"):
        config = os.path.join(WORK, f"{name}.curl")
        with open(config, "w") as f:
            f.writelines(f'url = "{url}"\noutput = "/dev/null"\n' for url in urls)
        tools["curl -Z"] = [
            "curl", "-sS", "--no-progress-meter", "-Z", "--parallel-max", str(J),
            "--cacert", ca, "--compressed", "-K", config,
        ]
    if shutil.which("wget2"):
        tools["wget2 (window 1)"] = [
            "wget2", "--no-config", "-q", f"--max-threads={J}", "--http2-request-window=1",
            "-O", "/dev/null", f"--ca-certificate={ca}", "--no-hsts", "--no-hpkp", "--tries=1", "-i", path,
        ]
    try:
        import aiohttp  # noqa: F401

        tools["python asyncio+aiohttp"] = [
            sys.executable, os.path.join(HERE, "baseline.py"), "-j", str(J), "-n", str(CHARS), "--cafile", ca, path,
        ]
    except ImportError:
        pass
    return tools


def protocol(stats):
    h2, h1 = stats["h2_requests"], stats["http1_requests"]
    if h2 and h1:
        return f"h2 {h2}, http/1.1 {h1}"
    return "h2" if h2 else "http/1.1"


def workload(server, name, title, urls, ideals, window_ms):
    """Probes and times every tool on `urls`; prints one table. `ideals` are seconds
    (none, one, or at the nominal and the measured round trip); `window_ms` is how
    long a request is in flight, None when not counted."""
    tools = commands(name, urls, server.ca)
    wire = {}
    for label, cmd in tools.items():
        server.control("/reset")
        run(cmd)
        wire[label] = server.control(f"/stats?window_ms={round(window_ms or 1)}")
    timed = interleaved(tools)
    gather = timed["gather"].wall
    rows = []
    for label, timing in timed.items():
        stats = wire[label]
        in_flight = "–" if window_ms is None else stats["most_within_window"]
        rows.append((
            label,
            protocol(stats),
            f"{stats['connections']} ({stats['connections_used']})",
            in_flight,
            f"{timing.wall:.3f} s",
            " / ".join(f"{timing.wall / ideal:.2f}" for ideal in ideals) or "–",
            "–" if label == "gather" else f"{timing.wall / gather:.2f}",
            "n/a" if timing.cpu is None else f"{timing.cpu:.2f} s",
            mib(timing.rss),
            ",".join(map(str, timing.codes)),
        ))
    table(
        f"{title} (median of {RUNS})",
        rows,
        ["tool", "HTTP", "connections opened (used)", "max in flight", "median wall", "× ideal",
         "÷ gather", "CPU", "peak RSS", "exit"],
    )


def run_all(only):
    """The network workloads named in `only` (all when it names none of them)."""
    chosen = [w for w in ("one-host", "many-hosts", "slow", "gzip") if w in only or "network" in only or not only]
    if not chosen:
        return
    server = NetServer()
    try:
        rtt = RTT_MS / 1000
        measured, handshake = measured_rtt(server)
        print(f"\n### Network workloads: examples/net_server, RTT {RTT_MS} ms, J = {J}\n")
        print(f"Measured through the relay: a keep-alive round trip {measured * 1000:.1f} ms (model {RTT_MS}),"
              f" connect to TLS done {handshake * 1000:.1f} ms (model {2 * RTT_MS}).")
        print("Ideal: 2 round trips to connect (TCP, TLS 1.3), then one for each round of J requests;"
              " × ideal is given at the nominal / the measured round trip.")
        tls = server.urls["tls"]
        for key, letter, count, hosts in (("one-host", "A", 2000, tls[:1]), ("many-hosts", "B", 1000, tls)):
            if key not in chosen:
                continue
            rounds = 2 + math.ceil(count / J)
            where = "on one host" if len(hosts) == 1 else f"over {len(hosts)} hosts, interleaved"
            workload(server, key, f"{letter}: {count:,} https pages {where}, RTT {RTT_MS} ms"
                     f" (ideal {rounds * rtt:.3f} s; {rounds * measured:.3f} s at the measured round trip)",
                     [f"{hosts[i % len(hosts)]}/page/{i}" for i in range(count)],
                     (rounds * rtt, rounds * measured), 0.9 * RTT_MS)
        if "slow" in chosen:
            count, delay = 500, 0.2
            ideal = math.ceil(count / J) * delay
            workload(server, "slow", f"C: {count} https responses that take {delay * 1000:.0f} ms, one host,"
                     f" no RTT (ideal {ideal:.3f} s)",
                     [f"{server.urls['direct']}/slow/{delay * 1000:.0f}?i={i}" for i in range(count)],
                     (ideal,), 0.9 * delay * 1000)
        if "gzip" in chosen:
            count = 5000
            floor = None
            if shutil.which("wrk"):
                rate = wrk_rate(f"{server.urls['plain']}/page/0", connections=J, seconds=2,
                                headers=["Accept-Encoding: gzip"])
                floor = count / rate
            title = f"D: {count:,} gzip'd 30 KB pages, plain http, no RTT"
            if floor is not None:
                title += f" (server floor {floor:.3f} s: wrk -c{J} on one URL)"
            workload(server, "gzip", title, [f"{server.urls['plain']}/page/{i}" for i in range(count)],
                     () if floor is None else (floor,), None)
    finally:
        server.stop()
