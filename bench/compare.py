#!/usr/bin/env python3
"""Side-by-side benchmark of gather and its peers against a local server (the
network workloads, against examples/net_server/, are in network.py).

Run through bench/compare.sh, which builds gather and the servers. Every workload
runs each tool RUNS times, interleaved (tool A, tool B, tool A, ...) so that the
machine's noise falls on all of them alike, and reports medians and ratios.
"""
import getpass
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

import network
from common import GATHER, HERE, RUNS, WORK, interleaved, mib, table, url_file, wrk_rate

# Another build of gather to run beside this one (the `lists` workload), e.g.
# BASELINE=/tmp/gather-main bench/compare.sh lists
BASELINE = os.environ.get("BASELINE")
BASE = os.environ["BASE"]  # the bench server, e.g. http://127.0.0.1:PORT


def small_pages(base=BASE, server=""):
    count = 10_000
    urls = url_file("small.txt", [f"{base}/small/{i}" for i in range(count)])
    commands = {"gather": [GATHER, "-q", "-j", "64", "-n", "100", "-i", urls]}
    # The format scripts and CI read: it also times each connection.
    commands["gather --format jsonl"] = [*commands["gather"][:-2], "--format", "jsonl", "-i", urls]
    for name, label in [("hyper_floor", "floor: bare hyper client"), ("reqwest_floor", "floor: gather's reqwest client")]:
        floor = os.path.join(os.path.dirname(GATHER), "examples", name)
        if os.path.exists(floor):
            commands[label] = [floor, urls, "64", "100"]
    if shutil.which("wget2"):
        commands["wget2 --max-threads=64"] = ["wget2", "-q", "--max-threads=64", "-O", "/dev/null", "-i", urls]
    if shutil.which("curl"):
        config = os.path.join(WORK, "curl.cfg")
        with open(config, "w") as f:
            for i in range(count):
                f.write(f'url = "{base}/small/{i}"\noutput = "/dev/null"\n')
        commands["curl --parallel-max 64"] = ["curl", "-s", "--parallel", "--parallel-max", "64", "-K", config]
    if shutil.which("lychee"):
        # lychee's per-host politeness (10 at once, 50 ms apart) is lifted to the same bound.
        commands["lychee -j 64"] = [
            "lychee", "--no-progress", "--max-concurrency", "64",
            "--host-concurrency", "64", "--host-request-interval", "0ms", urls,
        ]
    try:
        import aiohttp  # noqa: F401

        commands["python asyncio+aiohttp"] = [sys.executable, os.path.join(HERE, "baseline.py"), "-j", "64", "-n", "100", urls]
    except ImportError:
        pass
    results = interleaved(commands)
    gather_rate = count / results["gather"][0]
    rows = []
    reqwest_floor = results.get("floor: gather's reqwest client")
    if reqwest_floor:
        rows.append(("gather ÷ reqwest floor", "–", "–", f"gather = {reqwest_floor[0] / results['gather'][0]:.2f}× the floor's rate", "–"))
    if shutil.which("wrk"):
        rate = wrk_rate(f"{base}/small/1")
        rows.append(("wrk -c64 (one URL, keep-alive)", "–", f"{rate:,.0f}", f"gather = {gather_rate / rate:.2f}× wrk", "–"))
    for label, (secs, rss, codes, _) in results.items():
        rate = count / secs
        if label == "gather":
            ratio = "–"
        elif label.startswith("gather "):
            ratio = f"{secs / results['gather'][0]:.2f}× the text format's time"
        elif gather_rate >= rate:
            ratio = f"gather {gather_rate / rate:.2f}× faster"
        else:
            ratio = f"gather {rate / gather_rate:.2f}× slower"
        rows.append((label, f"{secs * 1000:.0f} ms", f"{rate:,.0f}", ratio, mib(rss) + ("" if codes == [0] else f" (exit {codes})")))
    table(f"{count:,} small pages (1 KiB){server}, -j 64 -n 100 (median of {RUNS})", rows, ["tool", "wall", "requests/s", "ratio", "peak RSS"])


def small_pages_nginx():
    """The same pages, as files served by nginx with one worker: the server issue 9's
    targets were set against. The bench server answers wrk faster than any client
    here can ask, so its wrk rate says little about a client's ceiling."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx:
        print("\n(small-nginx: no nginx installed; skipped)")
        return
    root = os.path.join(WORK, "nginx")
    os.makedirs(os.path.join(root, "www", "small"), exist_ok=True)
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    with urllib.request.urlopen(f"{BASE}/small/0") as response:
        page = response.read()
    for i in range(10_000):
        with open(os.path.join(root, "www", "small", str(i)), "wb") as f:
            f.write(page)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    temp = os.path.join(root, "tmp")
    conf = os.path.join(root, "nginx.conf")
    with open(conf, "w") as f:
        # `user`: as root, nginx's worker would otherwise drop to nobody, who cannot
        # read this private folder; as anyone else it is ignored with a warning.
        f.write(f"""user {getpass.getuser()};
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
  uwsgi_temp_path {temp}; scgi_temp_path {temp};
  sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 1000000;
  default_type text/html; charset utf-8;
  server {{ listen 127.0.0.1:{port} backlog=4096; root {root}/www; }}
}}
""")
    # nginx reports a bad config or a taken port on stderr before its error log opens.
    errors = os.path.join(root, "stderr.log")
    with open(errors, "w") as stderr:
        server = subprocess.Popen([nginx, "-c", conf, "-p", root, "-g", "daemon off;"],
                                  stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            server.kill()
            server.wait()
        if server.poll() is not None:
            # Timing a port nobody answers would report every tool's failures as speed.
            logs = [errors, os.path.join(root, "error.log")]
            why = "".join(open(log).read() for log in logs if os.path.exists(log)).strip()[-400:]
            print(f"\n(small-nginx: nginx did not answer on 127.0.0.1:{port}; skipped)\n{why}")
            return
        print(f"\nnginx: {subprocess.run([nginx, '-v'], capture_output=True, text=True).stderr.strip()}, one worker, 127.0.0.1:{port}")
        small_pages(f"http://127.0.0.1:{port}", " from nginx")
    finally:
        server.terminate()
        server.wait()


def big_pages():
    urls = url_file("big.txt", [f"{BASE}/big/{i}" for i in range(20)])
    results = interleaved({"gather": [GATHER, "-q", "-j", "64", "-n", "100", "-i", urls]})
    secs, rss, codes, _ = results["gather"]
    table(
        f"20 pages of 100 MiB each, -n 100 (median of {RUNS})",
        [("gather", f"{secs * 1000:.0f} ms", mib(rss), codes)],
        ["tool", "wall (target < 500 ms)", "peak RSS (target < 64 MiB)", "exit"],
    )


def latency_bound():
    urls = url_file("delay.txt", [f"{BASE}/delay/50/{i}" for i in range(1000)])
    ideal = 1000 / 64 * 0.050
    head = url_file("hol.txt", [f"{BASE}/delay/2000/head"] + [f"{BASE}/delay/100/{i}" for i in range(320)])
    results = interleaved(
        {
            "1,000 URLs × 50 ms, -j 64": [GATHER, "-q", "-j", "64", "-i", urls],
            "2 s head + 320 × 100 ms, -j 16": [GATHER, "-q", "-j", "16", "-i", head],
        }
    )
    rows = []
    for (label, (secs, _, codes, _)), (target, stall) in zip(
        results.items(), [(ideal, None), (2.2, 2.0 + 320 / 16 * 0.1)]
    ):
        note = f"{secs / target:.2f}× ideal {target:.2f} s" if stall is None else f"target ≈ {target} s; a head-of-line stall would take {stall:.1f} s"
        rows.append((label, f"{secs:.2f} s", note, codes))
    table(f"Latency-bound lists (median of {RUNS})", rows, ["workload", "wall", "against", "exit"])


def single_url():
    url = f"{BASE}/small/1"
    commands = {"gather URL": [GATHER, "-q", url]}
    if shutil.which("curl"):
        commands["curl -s URL"] = ["curl", "-s", "-o", "/dev/null", url]
    results = interleaved(commands, runs=max(RUNS, 30))
    gather_secs = results["gather URL"][0]
    rows = [
        (label, f"{secs * 1000:.1f} ms", "–" if label == "gather URL" else f"gather {secs / gather_secs:.2f}× faster")
        for label, (secs, _, _, _) in results.items()
    ]
    table("One local URL (median of 30)", rows, ["command", "wall", "ratio"])


def scaling():
    rows = []
    for count in (10_000, 100_000, 200_000, 1_000_000):
        urls = url_file(f"scale-{count}.txt", [f"{BASE}/small/{i}" for i in range(count)])
        runs = RUNS if count <= 200_000 else 1
        secs, rss, codes, _ = interleaved({"gather": [GATHER, "-q", "-j", "64", "-i", urls]}, runs=runs)["gather"]
        rows.append((f"{count:,}", f"{secs:.2f} s", f"{count / secs:,.0f}", mib(rss), codes))
    table("Cost by list length (small pages, -j 64)", rows, ["URLs", "wall", "requests/s", "peak RSS", "exit"])


def lines_file(name, count):
    """A list of `count` small-page URLs, written line by line (never held whole)."""
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        for start in range(0, count, 100_000):
            f.write("".join(f"{BASE}/small/{i}\n" for i in range(start, min(count, start + 100_000))))
    return path


def stream_latency(count=50, every=0.1):
    """Seconds from writing a line into `gather --stream` to its record coming out,
    for a producer that writes one line every `every` seconds."""
    proc = subprocess.Popen(
        [GATHER, "--stream", "-q", "-n", "0", "--format", "jsonl"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    waits = []
    for i in range(count):
        start = time.perf_counter()
        proc.stdin.write(f"{BASE}/small/{i}\n")
        proc.stdin.flush()
        proc.stdout.readline()
        waits.append(time.perf_counter() - start)
        time.sleep(every)
    proc.stdin.close()
    proc.wait()
    return waits


def lists():
    """Memory against the list's length, for a file and for --stream, and how soon a
    streamed record comes out."""
    rows = []
    for count in (1_000_000, 10_000_000):
        path = lines_file(f"lines-{count}.txt", count)
        flags = ["-q", "-n", "0", "-j", "64"]
        commands = {"gather -i FILE": [GATHER, *flags, "-i", path]}
        if BASELINE:
            commands["baseline -i FILE"] = [BASELINE, *flags, "-i", path]
        commands["cat FILE | gather --stream"] = [
            "sh", "-c", 'list=$1; shift; cat "$list" | "$0" --stream "$@"', GATHER, path, *flags,
        ]
        runs = RUNS if count <= 1_000_000 else 1
        results = interleaved(commands, runs=runs)
        base = results["gather -i FILE"][0]
        for label, (secs, rss, codes, _) in results.items():
            ratio = "–" if label == "gather -i FILE" else f"{secs / base:.3f}× gather -i FILE"
            rows.append((f"{count:,}", label, f"{secs:.2f} s", ratio, mib(rss), codes))
        os.remove(path)
    table(f"Lists by length, small pages, -n 0 -j 64 (median of {RUNS} at 1M, 1 run at 10M)", rows,
          ["URLs", "command", "wall", "against -i FILE", "peak RSS", "exit"])
    waits = sorted(stream_latency())
    table(
        "gather --stream fed one line every 100 ms (50 lines): line written to record out",
        [(f"{statistics.median(waits) * 1000:.1f} ms", f"{waits[-1] * 1000:.1f} ms")],
        ["median", "max"],
    )


if __name__ == "__main__":
    only = sys.argv[1:]
    for name, workload in [
        ("small", small_pages),
        ("small-nginx", small_pages_nginx),
        ("big", big_pages),
        ("latency", latency_bound),
        ("single", single_url),
        ("scaling", scaling),
        ("lists", lists),
    ]:
        if not only or name in only:
            workload()
    network.run_all(only)
    shutil.rmtree(WORK, ignore_errors=True)
