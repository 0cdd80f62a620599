-- Case C: every request carries a session token never used before. Arguments: <token file> <threads>.
-- The file is split between wrk's threads. wrk asks delay() before every request of a connection (the first one
-- too): it is 0 while the thread has unused tokens and an hour after, so each token is used exactly once. A thread
-- stops when all its tokens have been answered (the benchmark then ends wrk, which otherwise sleeps out its -d).
local thread_index = 0
function setup(thread)
  thread:set("index", thread_index)
  thread_index = thread_index + 1
end

local tokens = {}
local next_token = 0
local budget = 0
local answered = 0

function init(args)
  local threads = tonumber(args[2])
  local line = 0
  for token in io.lines(args[1]) do
    if line % threads == index then tokens[#tokens + 1] = token end
    line = line + 1
  end
  budget = #tokens
  wrk.path = "/sessions/whoami?tokenize_as=postgrest"
end

function delay()
  if budget > 0 then
    budget = budget - 1
    return 0
  end
  return 3600000
end

function request()
  next_token = next_token + 1
  local token = tokens[math.min(next_token, #tokens)]
  return wrk.format("GET", nil, { ["X-Session-Token"] = token })
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= #tokens then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
