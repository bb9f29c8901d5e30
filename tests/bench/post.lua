-- wrk script: POST the seed's ticket with the bearer token from the environment, each
-- request a new ticket id as in real traffic, and report every answer that is not 200
-- by status, so a bench run says what failed.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("CS_BENCH_TOKEN") or "none")

local threads = {}
local next_thread = 0

function setup(thread)
   next_thread = next_thread + 1
   thread:set("thread_no", next_thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
   sample = nil
   counter = 0
end

function request()
   counter = counter + 1
   local body = '{"customer_email":"john.doe@example.com","customer_name":"John Doe",' ..
      '"raw_message":"I was charged twice for my subscription this month. Please help!",' ..
      '"ticket_id":"TKT-' .. thread_no .. '-' .. counter .. '"}'
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status ~= 200 then
      statuses[status] = (statuses[status] or 0) + 1
      if not sample then sample = string.sub(body or "", 1, 300) end
   end
end

function done(summary, latency, requests)
   for _, t in ipairs(threads) do
      local s = t:get("statuses")
      for code, n in pairs(s or {}) do
         io.write(string.format("non-200: status %d x %d\n", code, n))
      end
      local body = t:get("sample")
      if body then io.write("non-200 sample body: " .. body .. "\n") end
   end
end
