#!/usr/bin/env bash
# The built-in load generator (LoadGen) against wrk, on nginx's static page with one worker:
# interleaved rounds (the order alternates each round), then medians of requests/s and of
# the generator's CPU time per request (user + system of its whole process, from
# /usr/bin/time: for the built-in one that includes merging and sorting every sample and
# deriving the histogram). Each built-in run also prints its error counts, that the
# histogram sums to the request count, and the bytes each stored request takes.
# Usage: benchmarks/loadgen.sh   (env: ROUNDS=5 CONNECTIONS=400 THREADS=2 DURATION=10,
#        SCRATCH=.build-loadgen for the release build's scratch path)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
connections=${CONNECTIONS:-400}
threads=${THREADS:-2}
duration=${DURATION:-10}
scratch=${SCRATCH:-.build-loadgen}
for tool in wrk nginx /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

swift build -c release --scratch-path "$scratch" --product loadgen-bench >&2
bench="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/loadgen-bench"

work=$(mktemp -d)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/root"
cp experiments/aiohttp-vs-flask/upstream/index.html "$work/root/index.html"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$work/nginx.conf" <<CONF
daemon off;
master_process off;
$user_line
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    keepalive_timeout 3600s;
    client_body_temp_path $work/client_body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    types { text/html html; }
    default_type text/html;
    server {
        listen 127.0.0.1:$port;
        root $work/root;
        index index.html;
    }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.05
done
curl -fs -o /dev/null "http://127.0.0.1:$port/" || { echo "nginx did not start" >&2; cat "$work/error.log" >&2; exit 1; }

url="http://127.0.0.1:$port/"
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

run_wrk() {
  /usr/bin/time -f "%U %S" -o "$work/time" \
    wrk -c "$connections" -t "$threads" -d "${duration}s" --timeout 10s "$url" >"$work/out"
  awk '/requests in/ {print $1}' "$work/out"
}
run_builtin() {
  /usr/bin/time -f "%U %S" -o "$work/time" \
    "$bench" --port "$port" --connections "$connections" --threads "$threads" \
    --duration "$duration" --timeout 10 >"$work/out"
  awk '$1 == "requests" {print $2}' "$work/out"
}

printf '%-8s %5s %10s %10s %9s %9s %9s\n' tool round requests req/s cpu_us/req user_us sys_us
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="wrk builtin"; else order="builtin wrk"; fi
  for tool in $order; do
    requests=$("run_$tool")
    read -r user system <"$work/time"
    awk -v t="$tool" -v r="$round" -v n="$requests" -v u="$user" -v s="$system" -v d="$duration" \
      'BEGIN { printf "%-8s %5d %10d %10.0f %9.2f %9.2f %9.2f\n", t, r, n, n / d, (u + s) * 1e6 / n, u * 1e6 / n, s * 1e6 / n }' \
      | tee -a "$work/results"
    if [ "$tool" = builtin ]; then
      grep -E '^(errors|histogram_sum|sample_stride_bytes|samples_bytes|run_cpu)' "$work/out" | sed 's/^/    /'
    else
      grep -E 'Socket errors|Non-2xx' "$work/out" | sed 's/^/    /' || true
    fi
  done
done

echo
for tool in wrk builtin; do
  rps=$(awk -v t="$tool" '$1 == t {print $4}' "$work/results" | median)
  cpu=$(awk -v t="$tool" '$1 == t {print $5}' "$work/results" | median)
  printf '%-8s median %8.0f req/s  %6.2f us CPU/request\n' "$tool" "$rps" "$cpu"
  eval "${tool}_rps=$rps ${tool}_cpu=$cpu"
done
awk -v a="$builtin_rps" -v b="$wrk_rps" -v c="$builtin_cpu" -v d="$wrk_cpu" \
  'BEGIN { printf "builtin/wrk, ratio of medians:  %.3f x req/s, %.3f x CPU/request\n", a / b, c / d }'
# The machine drifts between rounds; the two runs of one round are close in time, so the
# median of per-round ratios is the steadier comparison.
paired() { # column
  awk -v c="$1" '$1 == "wrk" {w[$2] = $c} $1 == "builtin" {b[$2] = $c} END {for (r in w) print b[r] / w[r]}' "$work/results" | median
}
printf 'builtin/wrk, median of per-round ratios: %.3f x req/s, %.3f x CPU/request\n' "$(paired 4)" "$(paired 5)"
