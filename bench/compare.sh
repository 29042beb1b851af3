#!/usr/bin/env bash
# Benchmarks gather side by side with wrk, wget2, curl --parallel, lychee and a
# Python asyncio + aiohttp script (each only if installed), and two floors: a bare
# hyper client (examples/hyper_floor.rs) and gather's own reqwest client with none
# of gather's work around it (examples/reqwest_floor.rs), against a local server,
# and prints Markdown tables of medians and ratios. The network workloads run
# against examples/net_server/ instead: TLS, HTTP/2, 50 hosts, a 40 ms round trip
# (RTT_MS), slow responses and gzip'd pages (bench/network.py).
#
#   bench/compare.sh                 # every workload, 5 runs each
#   RUNS=9 bench/compare.sh small    # one workload: small small-nginx big latency single scaling lists
#   bench/compare.sh network         # the network ones: one-host many-hosts slow gzip
#   BASELINE=/tmp/gather-old bench/compare.sh lists   # beside another build of gather
#
# Peers on Debian/Ubuntu: apt-get install wrk wget2 curl time nginx-light; pip install aiohttp;
# cargo install lychee --locked
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
cargo build --release --quiet --example bench_server --example net_server --example hyper_floor --example reqwest_floor

server_out=$(mktemp)
./target/release/examples/bench_server > "$server_out" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$server_out"' EXIT
for _ in $(seq 50); do
  [ -s "$server_out" ] && break
  sleep 0.1
done
base=$(head -1 "$server_out")

echo "## gather benchmark, $(date -u +%Y-%m-%d)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);" \
     "server: target/release/examples/bench_server (1 thread) on $base"
for tool in wrk wget2 curl lychee python3; do
  if command -v "$tool" >/dev/null; then
    echo "- $tool: $("$tool" --version 2>&1 | head -1)"
  fi
done
GATHER="$PWD/target/release/gather" BASE="$base" python3 bench/compare.py "$@"
