// The Lua helpers of the generator's stream statements (stream_prelude.hpp).
#include "stream_prelude.hpp"

namespace lb_fuzz {

// Each wait of these helpers is bounded by the move_on the generated
// statement puts around it (a few milliseconds: on the virtual clock a
// deadline with I/O pending is waited for in real time). The busy flags
// and the taint of a write are kept by to-be-closed guards, so that a
// hard abort in the middle of a call leaves them right.
const char* const kStreamPrelude = R"lua(local SW, SR, SPROC = {}, {}, nil
F.wr, F.pend, F.taint, F.rd, F.wbusy, F.rbusy, F.wclosed, F.rclosed = {}, {}, {}, {}, {}, {}, {}, {}
-- F.lost[i]: the order of the writes on direction i is no longer known
-- (a second write went through, see SWR), so it is not checked further
F.lost = {}
local SSZ = {3, 40, 1000, 70000, 300000}
local NW = 0
local function ETXT(e) return type(e) == "table" and tostring(e.message) or tostring(e) end
local function GUARD(fn) return setmetatable({}, {__close = fn}) end
-- what a second reader or writer may be told: busy, or the stream was
-- closed meanwhile, or its own task is cancelled
local function BUSY_OK(e)
  local t = ETXT(e)
  return t:find("std.io: stream is busy", 1, true) or t:find("std.io: stream is closed", 1, true) or kind(e) == "cancelled"
end
local function SEXP(i) return F.wr[i] .. (F.pend[i] or "") end
-- the reader of direction i took d: it must be the next part of what was written
local function SGOT(i, d, what)
  if F.lost[i] then return end
  local want = SEXP(i):sub(F.rd[i] + 1, F.rd[i] + #d)
  if want ~= d then
    bad(what .. " on stream " .. i .. " at byte " .. F.rd[i] .. " returned " .. #d .. " bytes (" .. d:sub(1, 24) ..
        ") that were not written there (" .. want:sub(1, 24) .. ")")
  end
  F.rd[i] = F.rd[i] + #d
end
-- the reader of direction i saw the end of input
local function SEOF(i, what)
  if F.lost[i] then return end
  if not (F.wclosed[i] or F.taint[i]) then bad(what .. " on stream " .. i .. " saw the end with its writer open") end
  if F.rd[i] < #F.wr[i] then
    bad(what .. " on stream " .. i .. " saw the end after " .. F.rd[i] .. " of the " .. #F.wr[i] .. " bytes written")
  end
end
-- makes the directions the program uses (use[i] true)
function SMK(...)
  local use = {...}
  for i = 1, 3 do F.wr[i], F.rd[i] = "", 0 end
  for i = 1, 2 do
    local ok, err = use[i] and pcall(function()
      local l <close> = std.net.listen("127.0.0.1", 0)
      SW[i] = std.net.connect("127.0.0.1", l.port)
      SR[i] = l:accept()
    end)
    if use[i] and not ok then
      SW[i], SR[i] = nil, nil
      bad("stream pair " .. i .. " not made: " .. ETXT(err))
    end
  end
  if not use[3] then return end
  local ok, p = pcall(std.process.spawn, {"cat"}, {stderr = "null"})
  if not ok then bad("cat not spawned: " .. ETXT(p)) return end
  SPROC, SW[3], SR[3] = p, p.stdin, p.stdout
end
-- writes a fresh chunk of SSZ[sz] letters (and "\n" if nl == 1) on direction i
function SWR(i, sz, nl)
  local w = SW[i]
  if not w or F.taint[i] then return end
  NW = NW + 1
  local data = "[" .. NW .. ":" .. string.rep(string.char(97 + NW % 26), SSZ[sz]) .. "]" .. (nl == 1 and "\n" or "")
  if F.wbusy[i] then
    -- A write whose task was cancelled or aborted no longer counts as
    -- under way (it raises once its task resumes, having written nothing
    -- or closed the stream for writing), so this one may go through; then
    -- nobody can tell which bytes went first.
    local ok, e = pcall(w.write, w, data)
    -- (or raise as a write does: ECANCELED after a write cancelled in flight)
    if ok or (type(e) == "table" and e.kind == "io") then
      F.lost[i] = true
    elseif not BUSY_OK(e) then
      bad("a second write on stream " .. i .. " gave " .. ETXT(e))
    end
    return
  end
  F.wbusy[i], F.pend[i] = true, data
  local done = false
  local _ <close> = GUARD(function()
    F.wbusy[i] = false
    if not done then F.taint[i] = true end
  end)
  local ok = pcall(w.write, w, data)
  done = true
  if ok then
    F.wr[i], F.pend[i] = F.wr[i] .. data, nil
  else
    F.taint[i] = true  -- F.pend[i] may have gone out in part
  end
end
-- one read (line: read_line) on direction i; n: read's limit or nil
function SRD(i, line, n)
  local r = SR[i]
  if not r then return end
  local what = line and "read_line" or "read"
  local op = line and r.read_line or r.read
  local ok, d
  if F.rbusy[i] then
    -- A read whose task was cancelled or aborted no longer counts as
    -- waiting (it took nothing and raises once its task resumes), so this
    -- one may go through and take the next bytes.
    ok, d = pcall(op, r, n)
    if not ok then
      if not BUSY_OK(d) then bad("a second " .. what .. " on stream " .. i .. " gave " .. ETXT(d)) end
      return
    end
  else
    F.rbusy[i] = true
    local _ <close> = GUARD(function() F.rbusy[i] = false end)
    ok, d = pcall(op, r, n)
  end
  if not ok then return end  -- cancelled (it took nothing), closed, ELINE
  if d == nil then return SEOF(i, what) end
  if line then
    if d:find("\n", 1, true) then bad("read_line on stream " .. i .. " returned a newline") end
    SGOT(i, d, what)
    if SEXP(i):sub(F.rd[i] + 1, F.rd[i] + 1) == "\n" then F.rd[i] = F.rd[i] + 1 end
  else
    if n and #d > n then bad("read(" .. n .. ") on stream " .. i .. " returned " .. #d .. " bytes") end
    SGOT(i, d, what)
  end
end
-- what 0: shut the writer down, 1: close it, 2: close the reader
function SCL(i, what)
  if what == 2 then
    if SR[i] then
      F.rclosed[i] = true
      SR[i]:close()
    end
    return
  end
  local w = SW[i]
  if not w then return end
  local was = F.wclosed[i]
  F.wclosed[i] = true
  local ok, e = pcall(what == 0 and w.shutdown or w.close, w)
  if not ok and ETXT(e):find("stream is busy", 1, true) then F.wclosed[i] = was end
end
-- after the program: every task ends (each of their waits is bounded),
-- the writers close, the readers read to the end; an untainted direction
-- delivered exactly what was written
function SFIN()
  for _ = 1, 1000 do
    local all = true
    for _, h in pairs(F.handles) do
      if not h:is_finished() then
        all = false
        pcall(h.join, h)
      end
    end
    if all then break end
    task.sleep(1)
  end
  for i = 1, 3 do
    local w, r = SW[i], SR[i]
    if w then
      F.wclosed[i] = true
      w:close()
    end
    if r and not F.rclosed[i] then
      local ended, err = false, nil
      local ok, e = pcall(task.move_on, 2000, function()
        for _ = 1, 100000 do
          local d = r:read()
          if d == nil then
            ended = true
            return
          end
          SGOT(i, d, "the final read")
        end
      end)
      if not ok then err = ETXT(e) end
      if not ended then
        bad("stream " .. i .. ": no end of input after its writer closed " .. tostring(err))
      else
        SEOF(i, "the final read")
        if not F.taint[i] and not F.lost[i] and F.rd[i] ~= #F.wr[i] then
          bad("stream " .. i .. " delivered " .. F.rd[i] .. " of the " .. #F.wr[i] .. " bytes written")
        end
      end
      r:close()
    end
  end
  if SPROC then SPROC:close() end
end
)lua";

}  // namespace lb_fuzz
