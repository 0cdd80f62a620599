-- Case F's flood: GET /self-service/{login,registration}/api as fast as wrk can send them, each request speaking
-- (through X-Forwarded-For, which the server believes from loopback) for one client address ("one") or for an
-- address never used before ("fresh": every request stores a flow, the most the per-address limit allows).
-- Arguments: <mode> <first two octets of the flood's addresses, e.g. 10.17>.
-- Prints one FLOOD_JSON line with the answers by status.
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local mode = "one"
local prefix = "10.0"
local sent = 0
stored = 0
limited = 0
other = 0

function init(args)
  mode = args[1] or "one"
  prefix = args[2] or prefix
end

function request()
  sent = sent + 1
  local address = prefix .. ".0.1"
  if mode == "fresh" then
    -- Two octets per thread (up to 65,536 addresses each) are more than a run sends.
    address = string.format("%d.%d.%d.%d", 11 + index, math.floor(sent / 65536) % 256, math.floor(sent / 256) % 256, sent % 256)
  end
  local path = (sent % 2 == 0) and "/self-service/login/api" or "/self-service/registration/api"
  return wrk.format("GET", path, { ["X-Forwarded-For"] = address })
end

function response(status, headers, body)
  if status == 200 then
    stored = stored + 1
  elseif status == 429 then
    limited = limited + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = { stored = 0, limited = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + thread:get(name) end
  end
  io.write(string.format('FLOOD_JSON {"requests":%d,"duration_us":%d,"stored":%d,"limited":%d,"other":%d,"errors":%d}\n',
    summary.requests, summary.duration, totals.stored, totals.limited, totals.other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
