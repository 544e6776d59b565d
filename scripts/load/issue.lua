-- wrk script for `POST /api/v1/certificates` (used by scripts/load-test.sh).
-- Environment: AKASHI_TOKEN (the bearer secret), AKASHI_BODY (a file holding the JSON body).
-- Counts non-201 responses so the table can show them (wrk counts only >= 400 as errors).
local token = os.getenv("AKASHI_TOKEN")
local body_file = os.getenv("AKASHI_BODY")
assert(token and token ~= "", "set AKASHI_TOKEN")
assert(body_file and body_file ~= "", "set AKASHI_BODY")
local f = assert(io.open(body_file, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  created = 0
  other = 0
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  local secs = summary.duration / 1e6
  -- One machine-readable line for the script to parse.
  io.write(string.format("AKASHI created=%d other=%d errors=%d seconds=%.3f rate=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    c, o, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    secs, c / secs, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
