-- PATCH /api/pages/notes with a JSON body whose `text` differs on every
-- request (thread number and a counter), so each one is a real write.
-- Session cookie and X-CSRF come from `wrk -H`.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"

local threads_made = 0
function setup(thread)
  threads_made = threads_made + 1
  thread:set("thread_number", threads_made)
end

local counter = 0
function request()
  counter = counter + 1
  local body = string.format('{"text":"bench write %d-%d"}', thread_number or 0, counter)
  return wrk.format(nil, nil, nil, body)
end
