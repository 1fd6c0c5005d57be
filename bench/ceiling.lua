-- wrk's script for bench/ceiling.py: replay a bench/load.py requests file (pre-signed Slack
-- clicks), over and over, each connection taking the next request; print the totals as JSON.
--   wrk -t1 -c32 -d5s -s bench/ceiling.lua http://127.0.0.1:3001 -- requests.tsv /slack/events
local requests = {}
local next_one = 0

function init(args)
  local path, target = args[1], args[2]
  for line in io.lines(path) do
    local _, stamp, signature, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", target, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Slack-Request-Timestamp"] = stamp,
      ["X-Slack-Signature"] = signature,
    }, body)
  end
end

function request()
  next_one = next_one % #requests + 1
  return requests[next_one]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.6f, "not_2xx": %d, "socket_errors": %d, "timeouts": %d, ' ..
    '"latency_p50_ms": %.3f, "latency_p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
