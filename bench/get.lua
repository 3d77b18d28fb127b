-- A plain GET of the URL given to wrk; headers come from `wrk -H`.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
