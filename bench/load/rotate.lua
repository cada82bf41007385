-- wrk script: POST JSON bodies {"text": <line>} rotating over a file of sentences, one per line.
--   wrk ... -s rotate.lua URL -- SENTENCES_FILE
-- Each thread starts at its own offset and walks the list in order. done() prints one
-- machine-readable line "WRK_JSON {...}" (latencies in microseconds) for summarise.py.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"'
    elseif c == '\\' then return '\\\\'
    elseif c == '\n' then return '\\n'
    elseif c == '\r' then return '\\r'
    elseif c == '\t' then return '\\t'
    else return string.format('\\u%04x', c:byte()) end
  end)
  return '"' .. s .. '"'
end

local requests = {}
local n = 0
local i = 0

function init(args)
  local path = args[1] or error("usage: wrk ... -s rotate.lua URL -- SENTENCES_FILE")
  local headers = { ["Content-Type"] = "application/json" }
  for line in io.lines(path) do
    line = line:gsub("\r$", "")
    if #line > 0 then
      n = n + 1
      requests[n] = wrk.format("POST", nil, headers, '{"text":' .. json_string(line) .. '}')
    end
  end
  if n == 0 then error("no sentences in " .. path) end
  i = ((id or 0) * 997) % n
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return requests[i]
end

function done(summary, latency, _)
  local e = summary.errors
  local p = {}
  for _, q in ipairs({ 50, 90, 99, 99.9 }) do
    p[#p + 1] = string.format('"%s":%d', tostring(q), latency:percentile(q))
  end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"max":%d,"mean":%.1f,"stdev":%.1f,"percentiles":{%s}}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.max, latency.mean, latency.stdev, table.concat(p, ",")))
end
