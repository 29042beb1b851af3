"""What every benchmark here shares: the gather under test, interleaved timed runs
with medians, and Markdown tables."""
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time

GATHER = os.environ["GATHER"]
RUNS = int(os.environ.get("RUNS", "5"))
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(GATHER), "examples")
WORK = tempfile.mkdtemp(prefix="gather-bench-")
TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None

# Medians over the runs (rss and cpu None without GNU time), and every exit code seen.
Timing = collections.namedtuple("Timing", "wall rss codes cpu")


def run(cmd):
    """Runs cmd with output discarded; returns (seconds, peak RSS in MiB, exit code, CPU seconds).

    Peak RSS and CPU (user + system) come from GNU time: a child's own ru_maxrss
    would include this Python process, which it was forked from (maxrss survives exec).
    """
    usage_file = os.path.join(WORK, "usage")
    wrapped = [TIME, "-f", "%M %U %S", "-o", usage_file, *cmd] if TIME else cmd
    start = time.perf_counter()
    code = subprocess.call(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=WORK)
    wall = time.perf_counter() - start
    rss = cpu = None
    if TIME:
        with open(usage_file) as f:
            # GNU time puts "Command exited with non-zero status N" first when it did.
            fields = f.read().splitlines()[-1].split()
        if len(fields) == 3:
            rss = int(fields[0]) / 1024
            cpu = float(fields[1]) + float(fields[2])
    return wall, rss, code, cpu


def median_known(values):
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def interleaved(commands, runs=RUNS):
    """{label: cmd} -> {label: Timing}, running the commands in turn, `runs` rounds."""
    samples = {label: [] for label in commands}
    for _ in range(runs):
        for label, cmd in commands.items():
            samples[label].append(run(cmd))
    return {
        label: Timing(
            statistics.median(s[0] for s in runs_),
            median_known(s[1] for s in runs_),
            sorted({s[2] for s in runs_}),
            median_known(s[3] for s in runs_),
        )
        for label, runs_ in samples.items()
    }


def mib(rss):
    return "n/a" if rss is None else f"{rss:.1f} MiB"


def url_file(name, urls):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write("\n".join(urls) + "\n")
    return path


def wrk_rate(url, connections=64, seconds=3, headers=()):
    """Median requests per second wrk reaches on one URL."""
    rates = []
    for _ in range(RUNS):
        flags = [arg for header in headers for arg in ("-H", header)]
        out = subprocess.run(
            ["wrk", f"-c{connections}", f"-d{seconds}s", *flags, url], capture_output=True, text=True
        ).stdout
        rates += [float(line.split()[1]) for line in out.splitlines() if line.startswith("Requests/sec")]
    return statistics.median(rates)


def table(title, rows, header):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    sys.stdout.flush()
