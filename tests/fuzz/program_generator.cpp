// The bytes -> std.task program generator (see program_generator.hpp).
#include "program_generator.hpp"

#include <string>
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
  Generator(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::string main_chunk() {
    Context c;
    block(c, 0);
    return out_;
  }

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
    switch (pick(16)) {
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
          scope(c, indent, pick(2) == 1);
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
      case 14:
        if (!c.handles.empty()) {
          const int t = c.handles[pick(static_cast<int>(c.handles.size()))];
          line(indent, "OB(" + std::to_string(t) + ", h" + std::to_string(t) + ")");
          return true;
        }
        line(indent, "task.sleep(0)");
        return true;
      default:
        line(indent, "task.sleep(0)");
        return true;
    }
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

  void scope(Context& c, int indent, bool with_timeout) {
    const int k = ++scopes_;
    const std::string ks = std::to_string(k);
    const bool rethrow = pick(4) == 0;
    const std::string head = "SC(" + ks + ", " + (rethrow ? "true" : "false") + ", pcall(";
    const char* grace = nullptr;
    if (with_timeout) {
      const char* ms = pick_of(kDurations);
      grace = pick_of(kGraces);
      line(indent, head + "task.with_timeout, " + ms + ", function(" + scope_var(k) + ")");
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
    line(indent, grace ? std::string("end, {grace_ms = ") + grace + "}))" : std::string("end))"));
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::string out_;
  int statements_ = 0;
  int tasks_ = 0;
  int scopes_ = 0;
  int closes_ = 0;
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
for id, n in pairs(F.made) do
  if F.closes[id] ~= n then
    F.bad[#F.bad + 1] = "close " .. id .. " (" .. F.owner[id] .. ") ran " .. tostring(F.closes[id]) .. " times"
  end
end
)lua";

std::string generate_program(const std::uint8_t* data, std::size_t size) {
  return std::string(kPrelude) + Generator(data, size).main_chunk();
}

}  // namespace lb_fuzz
