-- wrk script for bench/votes.py: each thread sends its share of pre-signed Slack
-- requests, one per voter, in order; then repeats the first tenth of its share
-- (a double click, or Slack retrying), which the bot must count once; then stops and
-- leaves a file named thread-<n> in the folder given as the third argument.
-- The bodies file holds one request per line: timestamp<TAB>signature<TAB>body.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  local path, total = args[1], tonumber(args[2])
  done_file = args[3] .. "/thread-" .. id
  requests = {}
  local n = 0
  for line in io.lines(path) do
    n = n + 1
    if n % total == (id - 1) then
      local ts, sig, body = line:match("^(%d+)\t([^\t]+)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/slack/events", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Slack-Request-Timestamp"] = ts,
        ["X-Slack-Signature"] = sig,
      }, body)
    end
  end
  repeats = math.max(1, math.floor(#requests / 10))
  planned = #requests + repeats
  next_request = 0
  answered = 0
end

function request()
  -- wrk asks each thread for one request before connecting and does not send it:
  -- answer that call without moving on, so every voter's vote goes out in order.
  if not primed then
    primed = true
    return requests[1]
  end
  next_request = next_request + 1
  if next_request > #requests then
    -- the repeats: the first voters of this share again, round and round until stopped
    return requests[(next_request - #requests - 1) % repeats + 1]
  end
  return requests[next_request]
end

function response(status, headers, body)
  answered = answered + 1
  if answered == planned then
    -- tell bench/votes.py this thread is through (wrk itself waits out its -d)
    local f = io.open(done_file, "w")
    f:write("done")
    f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests_)
  local out = {}
  for _, p in ipairs({50, 95, 99}) do
    out[#out + 1] = string.format('"p%d_ms": %.3f', p, latency:percentile(p) / 1000.0)
  end
  io.write(string.format('WRK_JSON {"requests": %d, "duration_s": %.4f, "errors": %d, %s}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(out, ", ")))
end
