-- wrk script: a customer message to one of the sessions the bench created (their ids in
-- CS_BENCH_SESSIONS, space-separated), round robin; every answer that is not 201 is
-- reported by status, as in post.lua (this endpoint answers 201 Created).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("CS_BENCH_TOKEN") or "none")
wrk.body = '{"message":"Hello, what are your opening hours on weekends?"}'

local threads = {}
local sessions = {}
for id in string.gmatch(os.getenv("CS_BENCH_SESSIONS") or "", "%S+") do table.insert(sessions, id) end

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
   sample = nil
   counter = 0
end

function request()
   counter = counter + 1
   local id = sessions[(counter % #sessions) + 1]
   return wrk.format(nil, "/api/v1/cs/sessions/" .. id .. "/messages")
end

function response(status, headers, body)
   if status ~= 201 then
      statuses[status] = (statuses[status] or 0) + 1
      if not sample then sample = string.sub(body or "", 1, 300) end
   end
end

function done(summary, latency, requests)
   for _, t in ipairs(threads) do
      for code, n in pairs(t:get("statuses") or {}) do
         io.write(string.format("non-201: status %d x %d\n", code, n))
      end
      local body = t:get("sample")
      if body then io.write("non-201 sample body: " .. body .. "\n") end
   end
end
