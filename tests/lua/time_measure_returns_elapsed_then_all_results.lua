-- measure(fn, ...) passes the arguments on and returns the elapsed seconds
-- followed by every result of fn, nils included.
local time = std.time
local r = table.pack(time.measure(function(a, b, c) return a + b, nil, c, nil end, 1, 2, "three"))
assert(r.n == 5, "measure returned " .. r.n .. " values")
assert(math.type(r[1]) == "float" and r[1] >= 0 and r[1] < 1, "elapsed " .. tostring(r[1]))
assert(r[2] == 3 and r[3] == nil and r[4] == "three" and r[5] == nil)
-- no results: just the elapsed time
local n = select("#", time.measure(function() end))
assert(n == 1, "measure of a function returning nothing gave " .. n .. " values")
-- nil arguments keep their place
local got = table.pack(time.measure(function(...) return select("#", ...), ... end, nil, nil, 3))
assert(got[2] == 3 and got[3] == nil and got[4] == nil and got[5] == 3, "arguments were not passed on")
-- busy work is measured
local e = time.measure(function() local t0 = os.clock(); while os.clock() - t0 < 0.02 do end end)
assert(e >= 0.015 and e < 2, "20 ms of work measured " .. e)
-- an error in fn propagates
local ok, err = pcall(time.measure, function() error({ "measured failure" }) end)
assert(not ok and type(err) == "table" and err[1] == "measured failure", tostring(err))
print("ok")
