// The bytes -> std.task program generator (see program_generator.hpp).
#include "program_generator.hpp"

#include <string>

#include "stream_prelude.hpp"
#include <vector>

namespace lb_fuzz {
namespace {

// Helpers every generated program starts with. They only record: a
// violation goes to FUZZ.bad and the program carries on, so that one run
// reports everything it saw.
constexpr const char* kPrelude = R"lua(local task = std.task
local F = {bad = {}, tscope = {}, done = {}, handles = {}, out = {},
           joined = {}, made = {}, owner = {}, closes = {}}
FUZZ = F
local function bad(msg) F.bad[#F.bad + 1] = msg end
local function kind(e)
  if type(e) == "userdata" then
    local ok, k = pcall(function() return e.kind end)
    if ok then return k end
  end
  return nil
end
-- a statement of task t runs: its scope must still be open
local function M(t)
  local s = F.tscope[t]
  if s and F.done[s] then bad("task " .. t .. " ran after its scope " .. s .. " ended") end
end
-- a statement of the body of scope k runs
local function MB(k)
  if F.done[k] then bad("body of scope " .. k .. " ran after the scope ended") end
end
local function C(id, owner)
  F.made[id] = (F.made[id] or 0) + 1
  F.owner[id] = owner
  return setmetatable({}, {__close = function() F.closes[id] = (F.closes[id] or 0) + 1 end})
end
-- owner (a task or a scope body) has ended: each of its closes ran once
local function closes_done(owner)
  for id, n in pairs(F.made) do
    if F.owner[id] == owner and F.closes[id] ~= n then
      bad(owner .. " ended with close " .. id .. " run " .. tostring(F.closes[id]) .. " times")
    end
  end
end
local function SP(t, k, s, fn, driver)
  local ok, h = pcall(s.spawn, s, fn, driver and {driver = driver} or nil)
  if not ok then
    -- closed: the scope ended (its opener may not have resumed yet)
    if tostring(h) ~= "std.task: scope is closed" then error(h, 0) end
    return nil
  end
  if k ~= 0 and F.done[k] then bad("spawn into ended scope " .. k .. " succeeded") end
  F.tscope[t] = k
  F.handles[t] = h
  return h
end
local ROOT = {spawn = function(_, fn, opts) return task.spawn(fn, opts) end}
-- join task t through h; gov is the joiner's governing scope (nil: root)
local function J(t, h, gov)
  if not h then return end
  local ok, v = pcall(h.join, h)
  local out = F.out[t]
  if ok then
    if v ~= t then bad("join of " .. t .. " returned " .. tostring(v)) end
    if out ~= "ok" then bad("join of " .. t .. " returned but the task recorded " .. tostring(out)) end
    if F.joined[t] then bad("task " .. t .. " joined successfully twice") end
    F.joined[t] = true
  else
    local k = kind(v)
    if k == "cancelled" then
      -- the joiner was cancelled (a task of the root scope sees the root
      -- token in current(): a failing main chunk cancels it)
      local cur = task.current()
      local joiner_cancelled = (gov and gov:token():is_cancelled()) or (cur and cur.cancelled)
      if out == "ok" and not joiner_cancelled then
        bad("join of returned task " .. t .. " raised cancelled in an uncancelled joiner")
      end
    elseif k == "joined" then
      -- joined before, or another join waits
    elseif k == "aborted" then
      if out == "ok" then bad("join of returned task " .. t .. " raised aborted") end
    elseif v == "E" .. t then
      if out ~= "err" then bad("join of " .. t .. " raised its error but it recorded " .. tostring(out)) end
    elseif out == "ok" then
      bad("join of returned task " .. t .. " raised " .. tostring(v))
    end
  end
  if h:is_finished() then closes_done("t" .. t) end
end
-- observe: a finished task has run all its closes
local function OB(t, h)
  if h and h:is_finished() then closes_done("t" .. t) end
end
-- the call that opened scope k returned (ok, err from pcall)
local function SC(k, rethrow, ok, err)
  F.done[k] = true
  for t, s in pairs(F.tscope) do
    if s == k then
      if not F.handles[t]:is_finished() then bad("scope " .. k .. " ended before its task " .. t) end
      closes_done("t" .. t)
    end
  end
  closes_done("s" .. k)
  if rethrow and not ok then error(err, 0) end
end
-- Coordination. Every value sent is fresh (F.sent[v]: "pending" while the
-- send may still happen, then "ok" or "failed"); each received value is
-- checked: sent on that channel, not by a failed send, received once.
-- The final checks drain the channels and want every "ok" value
-- received. Permits held never exceed a semaphore's size and balance at
-- the end. Every wait is bounded by a move_on (W), so nothing deadlocks.
local CH = {task.channel(), task.channel(1), task.channel(3), task.channel(math.huge)}
local SEM, SEMN = {task.semaphore(1), task.semaphore(2)}, {1, 2}
local EV = {task.event(), task.event()}
local VAR = task.var(0)
F.sent, F.vch, F.recvd, F.held = {}, {}, {}, {0, 0}
F.CH, F.SEM, F.SEMN = CH, SEM, SEMN
local NV = 0
local function W(ms, fn) pcall(task.move_on, ms, fn) end
local function RV(i, v)
  if v == nil then return end  -- closed and drained
  if F.vch[v] ~= i then bad("value " .. tostring(v) .. " received on channel " .. i .. ", sent on " .. tostring(F.vch[v])) end
  if F.recvd[v] then bad("value " .. v .. " received twice") end
  if F.sent[v] == "failed" then bad("value " .. v .. " of a send that raised was received") end
  F.recvd[v] = true
end
F.RV = RV
local function SEND(i, try)
  NV = NV + 1
  local v = NV
  F.sent[v], F.vch[v] = "pending", i
  local ok, r = pcall(try and CH[i].try_send or CH[i].send, CH[i], v)
  F.sent[v] = (ok and (r ~= false)) and "ok" or "failed"
  if F.sent[v] == "failed" and F.recvd[v] then bad("value " .. v .. " was received but its send failed") end
end
local function RECV(i)
  local ok, v = pcall(CH[i].recv, CH[i])
  if ok then RV(i, v) end
end
local function SEL(a, b)
  local ok, i, v = pcall(task.select, {CH[a], CH[b]})
  if ok then RV(i == 1 and a or b, v) end
end
local function EWAIT(i)
  local ok = pcall(EV[i].wait, EV[i])
  if ok and not EV[i]:is_set() then bad("event " .. i .. " wait returned while not set") end
end
-- a permit of SEM[i] (acquire bounded by ms), released by the returned
-- value's __close; nil if none was had
local function ACQ(ms, i)
  local p
  W(ms, function() p = SEM[i]:acquire() end)
  if not p then return nil end
  F.held[i] = F.held[i] + 1
  if F.held[i] > SEMN[i] then bad("semaphore " .. i .. ": " .. F.held[i] .. " permits held") end
  return setmetatable({}, {__close = function() F.held[i] = F.held[i] - 1; p:release() end})
end
local function GA(n, ok, r)
  if ok and (r.n ~= n or #r ~= n) then bad("gather returned " .. tostring(r.n) .. " results of " .. n) end
  if ok then for i = 1, n do if r[i] ~= i then bad("gather result " .. i .. " is " .. tostring(r[i])) end end end
end
local function RA(ok, i, v)
  if ok and v ~= i then bad("race winner " .. tostring(i) .. " returned " .. tostring(v)) end
end
-- a spawned task sees the spawner's value, and its own sets stay its own
local function VS(n)
  VAR:set(n)
  if VAR:get() ~= n then bad("var set to " .. n .. " reads " .. tostring(VAR:get())) end
end
-- runs fn on a coroutine of the script's own to its end, then closes it
local function CO(fn)
  local co = coroutine.create(fn)
  while true do
    local ok = coroutine.resume(co)
    if not ok or coroutine.status(co) == "dead" then break end
  end
  coroutine.close(co)
end
)lua";

constexpr int kMaxDepth = 5;
constexpr int kMaxBlockStatements = 6;
constexpr int kMaxStatements = 80;
constexpr int kMaxTasks = 30;

constexpr const char* kDurations[] = {"0", "1", "2", "3", "5", "10", "20", "50", "100", "1000", "60000", "0.5"};
constexpr const char* kGraces[] = {"0", "1", "10", "100", "5000"};
// Bounds of stream waits: with I/O pending the virtual clock waits for a
// deadline in real time, so these stay short.
constexpr const char* kStreamDurations[] = {"0", "1", "2", "3"};
constexpr const char* kReadLimits[] = {"nil", "1", "7", "100", "65536"};

/// Where a statement is generated: whose code it is and what it can see.
struct Context {
  int depth = 0;
  int task = 0;        ///< the task whose code this is; 0: the main chunk
  int body_scope = 0;  ///< the scope whose body this is, if innermost; 0: none
  int governing = 0;   ///< the scope whose token governs this code; 0: root
  bool task_top = false;  ///< top level of the task's function
  std::string owner = "main";  ///< who a <close> here belongs to
  std::vector<int> scopes;   ///< scope variables in reach
  std::vector<int> handles;  ///< handle variables in reach (task ids)
};

class Generator {
 public:
  Generator(const std::uint8_t* data, std::size_t size, bool sandboxed)
      : data_(data), size_(size), sandboxed_(sandboxed) {}

  std::string main_chunk() {
    Context c;
    block(c, 0);
    if (!uses_streams()) return out_;
    // The streams the program uses are made first (a `cat` costs a
    // process); after the program (also when it raised) SFIN ends the
    // tasks and drains the streams before the error goes on.
    std::string make = "SMK(";
    for (int i = 0; i < 3; ++i) make += std::string(i ? ", " : "") + (directions_[i] ? "true" : "false");
    return make + ")\nlocal ok_, err_ = pcall(function()\n" + out_ +
           "end)\nSFIN()\nif not ok_ then error(err_, 0) end\n";
  }
  /// Whether the program has stream statements (after main_chunk()).
  bool uses_streams() const { return directions_[0] || directions_[1] || directions_[2]; }

 private:
  bool exhausted() const { return pos_ >= size_; }
  /// A choice in [0, n); 0 once the bytes run out.
  int pick(int n) { return pos_ < size_ ? data_[pos_++] % n : 0; }
  template <std::size_t N>
  const char* pick_of(const char* const (&options)[N]) { return options[pick(static_cast<int>(N))]; }

  void line(int indent, const std::string& text) {
    out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  static std::string scope_var(int k) { return k == 0 ? "ROOT" : "s" + std::to_string(k); }
  static std::string gov_expr(const Context& c) { return c.governing == 0 ? "nil" : scope_var(c.governing); }

  void block(Context c, int indent) {
    const int count = pick(kMaxBlockStatements + 1);
    for (int i = 0; i < count && !exhausted() && statements_ < kMaxStatements; ++i) {
      ++statements_;
      if (c.body_scope != 0)
        line(indent, "MB(" + std::to_string(c.body_scope) + ")");
      else if (c.task != 0)
        line(indent, "M(" + std::to_string(c.task) + ")");
      if (!statement(c, indent)) break;  // raised: the rest is dead code
    }
  }

  /// Emits one statement; false if it always raises.
  bool statement(Context& c, int indent) {
    const bool can_nest = c.depth < kMaxDepth;
    switch (pick(17)) {
      case 0:
      case 1:
        line(indent, std::string("task.sleep(") + pick_of(kDurations) + ")");
        return true;
      case 2:
        line(indent, pick(2) ? "task.yield()" : "task.checkpoint()");
        return true;
      case 3:
      case 4:
        if (can_nest && tasks_ < kMaxTasks) {
          spawn(c, indent);
          return true;
        }
        line(indent, "task.yield()");
        return true;
      case 5:
        if (!c.handles.empty()) {
          const int t = c.handles[pick(static_cast<int>(c.handles.size()))];
          line(indent, "J(" + std::to_string(t) + ", h" + std::to_string(t) + ", " + gov_expr(c) + ")");
          return true;
        }
        line(indent, "task.sleep(1)");
        return true;
      case 6:
      case 7:
        if (can_nest) {
          scope(c, indent, pick(4));
          return true;
        }
        line(indent, "task.sleep(2)");
        return true;
      case 8:
        if (!c.scopes.empty()) {
          line(indent, scope_var(c.scopes[pick(static_cast<int>(c.scopes.size()))]) + ":cancel()");
          return true;
        }
        line(indent, "task.checkpoint()");
        return true;
      case 9:
        if (!c.handles.empty()) {
          const std::string h = "h" + std::to_string(c.handles[pick(static_cast<int>(c.handles.size()))]);
          line(indent, "if " + h + " then " + h + ":abort() end");
          return true;
        }
        line(indent, "task.yield()");
        return true;
      case 10: {
        const int id = ++closes_;
        line(indent, "local c" + std::to_string(id) + " <close> = C(" + std::to_string(id) + ", \"" + c.owner + "\")");
        return true;
      }
      case 11:
        if (can_nest) {
          line(indent, "pcall(function()");
          Context inner = c;
          inner.depth++;
          inner.task_top = false;
          block(inner, indent + 1);
          line(indent, "end)");
          return true;
        }
        line(indent, "task.sleep(0)");
        return true;
      case 12:
        if (can_nest) {
          line(indent, "CO(function()");
          Context inner = c;
          inner.depth++;
          inner.task_top = false;
          block(inner, indent + 1);
          line(indent + 1, "coroutine.yield()");
          block(inner, indent + 1);
          line(indent, "end)");
          return true;
        }
        line(indent, "task.yield()");
        return true;
      case 13:
        if (pick(3) != 0) {  // rarer than the others: it ends the block
          line(indent, "task.yield()");
          return true;
        }
        if (c.task_top) {
          const std::string t = std::to_string(c.task);
          line(indent, "F.out[" + t + "] = \"err\"; error(\"E" + t + "\", 0)");
        } else {
          line(indent, "error(\"X\", 0)");
        }
        return false;
      case 15:
        return coordination(c, indent);
      case 14:
        if (!c.handles.empty()) {
          const int t = c.handles[pick(static_cast<int>(c.handles.size()))];
          line(indent, "OB(" + std::to_string(t) + ", h" + std::to_string(t) + ")");
          return true;
        }
        line(indent, "task.sleep(0)");
        return true;
      case 16:
        if (sandboxed_)
          fs_call(indent);
        else
          stream_op(indent);
        return true;
      default:
        line(indent, "task.sleep(0)");
        return true;
    }
  }

  /// A path of the sandboxed tree (kSandboxPrelude): a start, then up to
  /// four components that climb, follow links out or stay inside.
  std::string fs_path() {
    static const char* const kStarts[] = {"/root", "/root", "/root", "/outside", "", "/root/link-dir", "/root/abs-link"};
    static const char* const kParts[] = {"..", ".", "sub", "link-dir", "abs-link", "link-file", "a", "b", "secret.txt"};
    std::string p = std::string("SB .. \"") + pick_of(kStarts);
    for (int i = pick(5); i > 0; --i) p += std::string("/") + pick_of(kParts);
    if (pick(8) == 0) return "\"/proc/self/root\" .. " + p + "\"";
    return p + "\"";
  }

  /// One std.fs call on generated paths, through FSC (kSandboxPrelude).
  void fs_call(int indent) {
    static const char* const kOps[] = {"read", "write", "append", "open", "stat", "exists",
                                       "list", "mkdir", "remove", "rename", "lines"};
    const char* op = pick_of(kOps);
    line(indent, std::string("FSC(\"") + op + "\", " + fs_path() + ", " + fs_path() + ", " +
                     std::to_string(pick(2)) + ")");
  }

  /// `call` bounded by W (a move_on of `ms` whose errors are caught): the
  /// shape of every wait on a channel, an event or a stream. Callers pick
  /// `ms` before what `call` picks, in a statement of its own: the order of
  /// choices is what maps an input of the corpus to its program.
  void bounded(int indent, const std::string& ms, const std::string& call) {
    line(indent, "W(" + ms + ", function() " + call + " end)");
  }

  /// One statement on a stream direction (stream_prelude.hpp): a write, a
  /// read or read_line, each bounded by a short move_on, or (rarer) a
  /// shutdown or close.
  void stream_op(int indent) {
    const int direction = pick(3);
    directions_[direction] = true;
    const std::string d = std::to_string(1 + direction);
    const std::string ms = pick_of(kStreamDurations);
    switch (pick(8)) {
      case 0:
      case 1:
      case 2: {
        const int bytes = 1 + pick(5);
        bounded(indent, ms, "SWR(" + d + ", " + std::to_string(bytes) + ", " + std::to_string(pick(2)) + ")");
        return;
      }
      case 3:
      case 4:
        bounded(indent, ms, "SRD(" + d + ", false, " + pick_of(kReadLimits) + ")");
        return;
      case 5:
      case 6:
        bounded(indent, ms, "SRD(" + d + ", true)");
        return;
      default:
        if (pick(2) == 0) {
          bounded(indent, ms, "SWR(" + d + ", 1, 1)");
          return;
        }
        line(indent, "SCL(" + d + ", " + std::to_string(pick(4) == 0 ? 2 : pick(2)) + ")");
        return;
    }
  }

  /// Emits a statement on channels, events, semaphores, shields, gather,
  /// race or task variables; false if it always raises.
  bool coordination(Context& c, int indent) {
    const bool can_nest = c.depth < kMaxDepth;
    const std::string ch = std::to_string(1 + pick(4));
    switch (pick(14)) {
      case 0:
      case 1:
        bounded(indent, pick_of(kDurations), "SEND(" + ch + ")");
        return true;
      case 2:
      case 3:
        bounded(indent, pick_of(kDurations), "RECV(" + ch + ")");
        return true;
      case 4:
        line(indent, pick(2) ? "SEND(" + ch + ", true)" : "RV(" + ch + ", CH[" + ch + "]:try_recv())");
        return true;
      case 5: {
        const std::string ms = pick_of(kDurations);
        bounded(indent, ms, "SEL(" + ch + ", " + std::to_string(1 + pick(4)) + ")");
        return true;
      }
      case 6:
        if (pick(4) == 0) {  // rare: a closed channel stays closed
          line(indent, "CH[" + ch + "]:close()");
          return true;
        }
        line(indent, "EV[" + std::to_string(1 + pick(2)) + "]:set()");
        return true;
      case 7: {
        const std::string ms = pick_of(kDurations);
        bounded(indent, ms, "EWAIT(" + std::to_string(1 + pick(2)) + ")");
        return true;
      }
      case 8:
      case 9:
        if (can_nest) {
          const int id = ++permits_;
          line(indent, "do");
          line(indent + 1, "local p" + std::to_string(id) + " <close> = ACQ(" + pick_of(kDurations) + ", " +
                               std::to_string(1 + pick(2)) + ")");
          Context inner = c;
          inner.depth++;
          inner.task_top = false;
          block(inner, indent + 1);
          line(indent, "end");
          return true;
        }
        line(indent, "task.yield()");
        return true;
      case 10:
        if (can_nest) {
          line(indent, "pcall(task.shield, function()");
          Context inner = c;
          inner.depth++;
          inner.task_top = false;
          block(inner, indent + 1);
          line(indent, "end)");
          return true;
        }
        line(indent, "task.yield()");
        return true;
      case 11:
      case 12:
        if (can_nest && tasks_ < kMaxTasks) {
          combinator(c, indent, pick(2) == 1);
          return true;
        }
        line(indent, "task.yield()");
        return true;
      default:
        line(indent, "VS(" + std::to_string(pick(100)) + ")");
        return true;
    }
  }

  /// gather (with or without a bound) or race over 1-3 generated functions,
  /// each returning its index; each runs in a task of its own.
  void combinator(Context& c, int indent, bool race) {
    const int n = 1 + pick(3);
    const int id = ++combinators_;
    tasks_ += n;
    line(indent, std::string(race ? "RA(pcall(task.race, {" : "GA(" + std::to_string(n) + ", pcall(task.gather, {"));
    for (int i = 1; i <= n; ++i) {
      line(indent + 1, "function()");
      Context inner;
      inner.depth = c.depth + 1;
      inner.owner = "g" + std::to_string(id);
      inner.scopes = c.scopes;
      inner.handles = c.handles;
      block(inner, indent + 2);
      line(indent + 2, "return " + std::to_string(i));
      line(indent + 1, "end,");
    }
    if (race || pick(2) == 0)
      line(indent, "}))");
    else
      line(indent, "}, {concurrency = " + std::to_string(1 + pick(2)) + "}))");
  }

  void spawn(Context& c, int indent) {
    const int t = ++tasks_;
    const std::string ts = std::to_string(t);
    // Into a scope in reach, or the root scope (task.spawn) from anywhere.
    const int choice = pick(static_cast<int>(c.scopes.size()) + 1);
    const int k = choice == 0 ? 0 : c.scopes[static_cast<std::size_t>(choice - 1)];
    const int driver = pick(4);
    line(indent, "local h" + ts + " = SP(" + ts + ", " + std::to_string(k) + ", " + scope_var(k) + ", function()");
    Context inner;
    inner.depth = c.depth + 1;
    inner.task = t;
    inner.governing = k;
    inner.task_top = true;
    inner.owner = "t" + ts;
    inner.scopes = c.scopes;
    inner.handles = c.handles;
    line(indent + 1, "M(" + ts + ")");
    block(inner, indent + 1);
    line(indent + 1, "F.out[" + ts + "] = \"ok\"; return " + ts);
    line(indent, std::string("end") + (driver == 0 ? ", \"coroutine\")" : ")"));
    c.handles.push_back(t);
  }

  /// variant: 0 task.scope, 1 task.with_timeout, 2 task.move_on,
  /// 3 a fail-fast task.scope.
  void scope(Context& c, int indent, int variant) {
    const int k = ++scopes_;
    const std::string ks = std::to_string(k);
    const bool rethrow = pick(4) == 0;
    const std::string head = "SC(" + ks + ", " + (rethrow ? "true" : "false") + ", pcall(";
    const char* grace = nullptr;
    if (variant == 1 || variant == 2) {
      const char* ms = pick_of(kDurations);
      grace = pick_of(kGraces);
      line(indent, head + (variant == 1 ? "task.with_timeout, " : "task.move_on, ") + ms + ", function(" +
                       scope_var(k) + ")");
    } else {
      line(indent, head + "task.scope, function(" + scope_var(k) + ")");
    }
    Context inner = c;
    inner.depth++;
    inner.body_scope = k;
    inner.governing = k;
    inner.task_top = false;
    inner.owner = "s" + ks;
    inner.scopes.push_back(k);
    block(inner, indent + 1);
    if (grace)
      line(indent, std::string("end, {grace_ms = ") + grace + "}))");
    else
      line(indent, variant == 3 ? "end, {fail_fast = true}))" : "end))");
  }

  const std::uint8_t* data_;
  std::size_t size_;
  bool sandboxed_;
  std::size_t pos_ = 0;
  std::string out_;
  int statements_ = 0;
  int tasks_ = 0;
  int scopes_ = 0;
  int closes_ = 0;
  int permits_ = 0;
  int combinators_ = 0;
  bool directions_[3] = {false, false, false};  ///< stream directions used
};

}  // namespace

const char* const kFinalChecks = R"lua(
local F = FUZZ
for t, h in pairs(F.handles) do
  if not h:is_finished() then F.bad[#F.bad + 1] = "task " .. t .. " never finished" end
  -- what the runtime reported (OUTCOMES, set by the harness) against
  -- what the task recorded and what its joins saw
  local outcome = OUTCOMES[h.id]
  local want = (F.out[t] == "ok" or F.joined[t]) and "returned" or F.out[t] == "err" and "failed" or nil
  if want and outcome ~= want then
    F.bad[#F.bad + 1] = "task " .. t .. " (" .. h.id .. ") finished " .. tostring(outcome) .. ", expected " .. want
  end
end
-- coordination: drain every channel, then no value sent is lost and the
-- permits balance
for i, ch in ipairs(F.CH) do
  for _ = 1, 100000 do
    local v = ch:try_recv()
    if v == nil then break end
    F.RV(i, v)
  end
end
for v, state in pairs(F.sent) do
  if state == "ok" and not F.recvd[v] then F.bad[#F.bad + 1] = "value " .. v .. " was sent and never received" end
end
for i, sem in ipairs(F.SEM) do
  if sem:available() ~= F.SEMN[i] or F.held[i] ~= 0 then
    F.bad[#F.bad + 1] = "semaphore " .. i .. ": " .. sem:available() .. " available, " .. F.held[i] .. " held at the end"
  end
end
for id, n in pairs(F.made) do
  if F.closes[id] ~= n then
    F.bad[#F.bad + 1] = "close " .. id .. " (" .. F.owner[id] .. ") ran " .. tostring(F.closes[id]) .. " times"
  end
end
)lua";

// The sandboxed mode's helper: FSC runs one std.fs call on paths of the
// tree the harness made at SB (its root/ is the sandbox's one root) and
// records a read of the secret outside, or a denial with another text, as
// a violation. Other errors (a missing file, task cancelled) are the
// program's business: the call is in a pcall.
constexpr const char* kSandboxPrelude = R"lua(local fs = std.fs
function FSC(op, path, path2, flag)
  local ok, r
  if op == "write" or op == "append" then
    ok, r = pcall(fs[op], path, "x")
  elseif op == "open" then
    ok, r = pcall(fs.open, path, flag == 1 and "a+" or "r")
    if ok then
      local rok, text = pcall(r.read_all, r)
      if rok and text and text:find("secret", 1, true) then bad("open " .. path .. " read the secret") end
      r:close()
    end
  elseif op == "mkdir" then
    ok, r = pcall(fs.mkdir, path, { parents = flag == 1 })
  elseif op == "remove" then
    ok, r = pcall(fs.remove, path, { recursive = flag == 1 })
  elseif op == "rename" then
    ok, r = pcall(fs.rename, path, path2)
  elseif op == "lines" then
    ok, r = pcall(function()
      for l in fs.lines(path) do
        if l:find("secret", 1, true) then bad("lines " .. path .. " read the secret") end
      end
    end)
  else
    ok, r = pcall(fs[op], path)
  end
  if ok and type(r) == "string" and r:find("secret", 1, true) then bad(op .. " " .. path .. " read the secret") end
  if ok and op == "list" then
    for _, name in ipairs(r) do
      if name == "secret.txt" then bad("list " .. path .. " showed the outside") end
    end
  end
  if not ok and type(r) == "table" and r.kind == "denied" and not r.message:find(" denied by policy", 1, true) then
    bad("denial with the wrong text: " .. r.message)
  end
end
)lua";

std::string generate_program(const std::uint8_t* data, std::size_t size, bool sandboxed) {
  std::string program = kPrelude;
  if (sandboxed) program += kSandboxPrelude;
  Generator generator(data, size, sandboxed);
  const std::string main = generator.main_chunk();
  if (generator.uses_streams()) program += kStreamPrelude;
  return program + main;
}

}  // namespace lb_fuzz
