// A randomised model check of std.task.channel: random sequences of
// receivers and senders (each a task in a scope of its own), cancels and
// hard aborts of them, try_send/try_recv from the main chunk followed in
// the same turn by a cancel or an abort, and a close, run on the virtual
// clock and compared, step by step, with a reference model of the spec:
// a FIFO buffer, FIFO queues of waiting receivers and senders, and the
// rules of section 0 (a cancelled wait has no effect; a value handed to a
// receiver aborted before it ran goes back to the head of the channel, or
// to the next receiver). Every task's outcome, len() after every step and
// what is left in the channel at the end must match.
#include <gtest/gtest.h>

#include <lua.hpp>
#include <uv.h>

#include <algorithm>
#include <climits>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lua_batteries/task.hpp"

namespace {

namespace lb = lua_batteries;

constexpr const char* kPrelude = R"(
local task = std.task
local ch = task.channel(CAPACITY)
local out, scopes, handles, log = {}, {}, {}, {}
local function spawn_recv(id)
  handles[id] = task.spawn(function()
    task.scope(function(s)
      scopes[id] = s
      local ok, v = pcall(ch.recv, ch)
      if ok then out[id] = v == nil and "nil" or ("got:" .. v)
      else out[id] = task.is_cancelled(v) and "cancelled" or ("error:" .. tostring(v)) end
    end)
  end)
end
local function spawn_send(id, v)
  handles[id] = task.spawn(function()
    task.scope(function(s)
      scopes[id] = s
      local ok, e = pcall(ch.send, ch, v)
      if ok then out[id] = "sent"
      elseif task.is_cancelled(e) then out[id] = "cancelled"
      elseif e.kind == "closed" then out[id] = "closed"
      else out[id] = "error:" .. tostring(e) end
    end)
  end)
end
local function cancel(id) scopes[id]:cancel() end
local function abort(id) handles[id]:abort() end
local function settle() task.sleep(1); log[#log + 1] = "len=" .. ch:len() end
)";

constexpr const char* kEpilogue = R"(
ch:close()
settle()
local left = {}
while true do
  local v = ch:try_recv()
  if v == nil then break end
  left[#left + 1] = v
end
log[#log + 1] = "left=" .. table.concat(left, ",")
for id = 1, #handles do
  local o = out[id]
  if o == nil then
    local ok, err = pcall(handles[id].join, handles[id])
    o = (not ok and err.kind == "aborted") and "aborted" or ("unexpected:" .. tostring(err))
  end
  log[#log + 1] = id .. "=" .. o
end
result = table.concat(log, " ")
)";

/// The spec's channel, one step at a time.
class Model {
 public:
  explicit Model(int capacity) : capacity_(capacity) {}

  void spawn_recv(int id) { starting_.push_back({id, false, 0}); }
  void spawn_send(int id, int v) { starting_.push_back({id, true, v}); }

  void cancel(int id) { withdraw(id, "cancelled"); }
  void abort(int id) {
    if (auto it = handed_.find(id); it != handed_.end()) {
      const int v = it->second;
      handed_.erase(it);
      outcome_[id] = "aborted";
      give_back(v);
      return;
    }
    if (std::find(sent_pending_.begin(), sent_pending_.end(), id) != sent_pending_.end()) {
      sent_pending_.erase(std::find(sent_pending_.begin(), sent_pending_.end(), id));
      outcome_[id] = "aborted";  // its value was delivered all the same
      return;
    }
    withdraw(id, "aborted");
  }
  bool try_send(int v) {
    if (!receivers_.empty()) {
      const int r = receivers_.front();
      receivers_.pop_front();
      handed_[r] = v;
      return true;
    }
    if (static_cast<int>(buffer_.size()) < capacity_) {
      buffer_.push_back(v);
      return true;
    }
    return false;
  }
  std::string try_recv() {
    if (!buffer_.empty()) {
      const int v = buffer_.front();
      buffer_.pop_front();
      if (!senders_.empty() && static_cast<int>(buffer_.size()) < capacity_) {
        buffer_.push_back(senders_.front().second);
        sent_pending_.push_back(senders_.front().first);
        senders_.pop_front();
      }
      return std::to_string(v);
    }
    if (!senders_.empty()) {
      const auto [id, v] = senders_.front();
      senders_.pop_front();
      sent_pending_.push_back(id);
      return std::to_string(v);
    }
    return "nil";
  }
  void close() {
    if (closed_) return;
    closed_ = true;
    for (int r : receivers_) outcome_[r] = "nil";
    receivers_.clear();
    for (auto& s : senders_) outcome_[s.first] = "closed";
    senders_.clear();
  }
  /// The turn ends and every task that can run does: completions first,
  /// then the task spawned in this step.
  std::string settle() {
    for (auto& [id, v] : handed_) outcome_[id] = "got:" + std::to_string(v);
    handed_.clear();
    for (int id : sent_pending_) outcome_[id] = "sent";
    sent_pending_.clear();
    for (const Start& s : starting_) s.is_sender ? start_send(s.id, s.value) : start_recv(s.id);
    starting_.clear();
    return "len=" + std::to_string(buffer_.size());
  }
  std::string left() const {
    std::string s;
    for (int v : buffer_) s += (s.empty() ? "" : ",") + std::to_string(v);
    return s;
  }
  std::string outcome(int id) const { return outcome_.count(id) ? outcome_.at(id) : "(still waiting)"; }
  bool is_closed() const { return closed_; }

 private:
  struct Start {
    int id;
    bool is_sender;
    int value;
  };
  void start_recv(int id) {
    if (!buffer_.empty() || !senders_.empty()) {
      outcome_[id] = "got:" + try_recv();
      for (int s : sent_pending_) outcome_[s] = "sent";
      sent_pending_.clear();
    } else if (closed_) {
      outcome_[id] = "nil";
    } else {
      receivers_.push_back(id);
    }
  }
  void start_send(int id, int v) {
    if (closed_) {
      outcome_[id] = "closed";
      return;
    }
    if (!receivers_.empty()) {
      const int r = receivers_.front();
      receivers_.pop_front();
      outcome_[r] = "got:" + std::to_string(v);
      outcome_[id] = "sent";
    } else if (static_cast<int>(buffer_.size()) < capacity_) {
      buffer_.push_back(v);
      outcome_[id] = "sent";
    } else {
      senders_.push_back({id, v});
    }
  }
  void withdraw(int id, const char* why) {
    if (auto it = std::find(receivers_.begin(), receivers_.end(), id); it != receivers_.end()) {
      receivers_.erase(it);
      outcome_[id] = why;
      return;
    }
    for (auto it = senders_.begin(); it != senders_.end(); ++it)
      if (it->first == id) {
        senders_.erase(it);
        outcome_[id] = why;
        return;
      }
    // Finished, or handed its value already (a cancel then changes nothing).
  }
  void give_back(int v) {
    if (!receivers_.empty()) {
      const int r = receivers_.front();
      receivers_.pop_front();
      handed_[r] = v;
      return;
    }
    buffer_.push_front(v);
  }

  int capacity_;
  bool closed_ = false;
  std::deque<int> buffer_;
  std::deque<int> receivers_;
  std::deque<std::pair<int, int>> senders_;
  std::map<int, int> handed_;     // receiver -> value, not yet run
  std::vector<int> sent_pending_;  // senders whose value was taken, not yet run
  std::vector<Start> starting_;
  std::map<int, std::string> outcome_;
};

struct Case {
  std::string program;
  std::string expected;
};

Case generate(unsigned seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const int capacities[] = {0, 1, 2, 3, INT_MAX};
  const int capacity = capacities[pick(5)];
  Model model(capacity);
  std::string body = std::string(kPrelude);
  body.replace(body.find("CAPACITY"), 8, capacity == INT_MAX ? "math.huge" : std::to_string(capacity));
  std::string expected;
  int tasks = 0;
  int next_value = 100;
  const int steps = 20 + pick(60);
  for (int step = 0; step < steps; ++step) {
    const int op = pick(100);
    auto target = [&] { return 1 + pick(tasks); };
    if (op < 25 || tasks == 0) {
      ++tasks;
      body += "spawn_recv(" + std::to_string(tasks) + ")\n";
      model.spawn_recv(tasks);
    } else if (op < 50) {
      ++tasks;
      const int v = next_value++;
      body += "spawn_send(" + std::to_string(tasks) + ", " + std::to_string(v) + ")\n";
      model.spawn_send(tasks, v);
    } else if (op < 60) {
      const int id = target();
      body += "cancel(" + std::to_string(id) + ")\n";
      model.cancel(id);
    } else if (op < 68) {
      const int id = target();
      body += "abort(" + std::to_string(id) + ")\n";
      model.abort(id);
    } else if (op < 84 && !model.is_closed()) {
      for (int k = 1 + pick(3); k > 0; --k) {  // values after a hand-off, before the abort
        const int v = next_value++;
        body += "log[#log + 1] = 'try_send=' .. tostring(ch:try_send(" + std::to_string(v) + "))\n";
        expected += std::string("try_send=") + (model.try_send(v) ? "true" : "false") + " ";
      }
      if (pick(3)) {  // then a cancel or an abort in the same turn
        const int id = target();
        const bool is_abort = pick(2);
        body += std::string(is_abort ? "abort(" : "cancel(") + std::to_string(id) + ")\n";
        is_abort ? model.abort(id) : model.cancel(id);
      }
    } else if (op < 98) {
      body += "log[#log + 1] = 'try_recv=' .. tostring(ch:try_recv())\n";
      expected += "try_recv=" + model.try_recv() + " ";
      if (pick(2)) {
        const int id = target();
        const bool is_abort = pick(2);
        body += std::string(is_abort ? "abort(" : "cancel(") + std::to_string(id) + ")\n";
        is_abort ? model.abort(id) : model.cancel(id);
      }
    } else {
      body += "ch:close()\n";
      model.close();
    }
    body += "settle()\n";
    expected += model.settle() + " ";
  }
  body += kEpilogue;
  model.close();
  expected += model.settle() + " ";
  expected += "left=" + model.left();
  // the epilogue drains with try_recv: nothing is left afterwards
  for (int id = 1; id <= tasks; ++id) expected += " " + std::to_string(id) + "=" + model.outcome(id);
  return Case{body, expected};
}

std::string run_program(const std::string& program) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  lb::Config config;
  config.virtual_time = true;
  config.slice_ms = 0;
  lb::register_with(L, &loop, config);
  const lb::RunResult r = lb::run_string(L, program, "=model");
  std::string result = r.status == lb::RunResult::Status::ok ? "" : "run failed: " + r.message;
  if (result.empty()) {
    lua_getglobal(L, "result");
    result = lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no result)";
    lua_pop(L, 1);
  }
  lua_close(L);
  uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  return result;
}

TEST(ChannelModelTest, RandomOperationsCancelsAndAbortsMatchTheReferenceModel) {
  for (unsigned seed = 1; seed <= 400; ++seed) {
    const Case c = generate(seed);
    const std::string got = run_program(c.program);
    ASSERT_EQ(got, c.expected) << "seed " << seed << "\n" << c.program;
  }
}

}  // namespace
