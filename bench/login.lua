-- POST /api/auth/login with the bench account (BENCH_EMAIL, BENCH_PASSWORD).
-- Every request is a full password login, so this row is bcrypt-bound.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}',
  os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
