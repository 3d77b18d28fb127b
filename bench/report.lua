-- Shared by every bench script: after a run, wrk calls `done`, which prints
-- one machine-readable line that bench/run parses. Latencies are in
-- microseconds; `non2xx` counts answers with a status of 400 or more.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
