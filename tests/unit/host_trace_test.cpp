// The observers a host can install for figures and timelines: RunStats and
// TraceWriter behind an ObserverFanOut, beside the host's own observer;
// and the run events (resume, suspension with its wait, cancellation) they
// are built on. The runner's --stats and --trace are checked end to end in
// tests/runner/cases.cmake and tests/trace/check_trace.py.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <cstdio>
#include <string>
#include <vector>

#include "host_fixture.hpp"
#include "lua_batteries/observer_fanout.hpp"
#include "lua_batteries/run_stats.hpp"
#include "lua_batteries/trace_writer.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

/// Writes each run event as one line: "resume t1", "suspend t1 sleep",
/// "cancel t2", "resume main", "suspend body s1 of t2 scope".
class RunEventLog final : public lb::Observer {
 public:
  bool wants_lifecycle_events() const override { return false; }
  bool wants_run_events() const override { return true; }
  void fiber_resumed(const lb::RunEvent& f) override { lines.push_back("resume " + who(f)); }
  void fiber_suspended(const lb::RunEvent& f, const lb::WaitEvent& w) override {
    std::string line = "suspend " + who(f) + " " + kind(w.kind);
    if (!w.what.empty()) line += " " + std::string(w.what);
    if (w.target != 0) line += " " + std::to_string(w.target);
    lines.push_back(line);
  }
  void fiber_cancelled(const lb::RunEvent& f) override { lines.push_back("cancel " + who(f)); }

  std::vector<std::string> lines;

 private:
  static std::string who(const lb::RunEvent& f) {
    std::string text = f.task.number == 0 ? "main" : "t" + std::to_string(f.task.number);
    if (f.body_of != 0) text = "body s" + std::to_string(f.body_of) + " of " + text;
    return text;
  }
  static std::string kind(lb::WaitEvent::Kind k) {
    switch (k) {
      case lb::WaitEvent::Kind::finished: return "finished";
      case lb::WaitEvent::Kind::preempted: return "preempted";
      case lb::WaitEvent::Kind::turn: return "turn";
      case lb::WaitEvent::Kind::sleep: return "sleep";
      case lb::WaitEvent::Kind::join: return "join";
      case lb::WaitEvent::Kind::scope: return "scope";
      case lb::WaitEvent::Kind::bridge: return "bridge";
      case lb::WaitEvent::Kind::site: return "site";
    }
    return "?";
  }
};

class HostTraceTest : public HostTest {};

TEST_F(HostTraceTest, RunEventsSayWhoRanAndWhatItWaitsForNext) {
  RunEventLog log;
  lb::ObserverFanOut observers;
  observers.add(&observer_);  // lifecycle events only
  observers.add(&log);        // run events only
  lb::Config config;
  config.virtual_time = true;
  config.observer = &observers;
  install(config, false);
  const lb::RunResult r = run(R"(
    local t = std.task
    local ch = t.channel()
    local sleeper = t.spawn(function() t.sleep(10) end)
    t.scope(function(s)
      s:spawn(function() ch:recv() end)
      t.yield()
      s:cancel()
    end)
    sleeper:join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(log.lines, (std::vector<std::string>{
                           "resume main", "suspend main scope scope 1",
                           "resume t1", "suspend t1 sleep sleep",
                           "resume body s1 of main", "suspend body s1 of main turn",
                           "resume t2", "suspend t2 site channel recv",
                           "resume body s1 of main", "cancel t2", "suspend body s1 of main finished",
                           "resume t2", "suspend t2 finished",
                           "resume main", "suspend main join join 1",
                           "resume t1", "suspend t1 finished",
                           "resume main", "suspend main finished",
                       }));
  // The host's lifecycle observer still heard every task, beside.
  EXPECT_EQ(observer_.lines_with("t2"), (std::vector<std::string>{"spawned t2", "started t2", "finished t2 cancelled"}));
}

TEST_F(HostTraceTest, RunStatsAndTraceWriterObserveAHostsRun) {
  lb::RunStats stats;
  lb::TraceWriter trace;
  lb::ObserverFanOut observers;
  observers.add(&stats);
  observers.add(&trace);
  lb::Config config;
  config.virtual_time = true;
  config.observer = &observers;
  install(config, false);
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      for i = 1, 3 do s:spawn(function() t.sleep(i) end, {name = "w" .. i}) end
    end)
    pcall(t.with_timeout, 5, function() t.sleep(100) end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;

  const lb::RunFigures& f = stats.figures();
  EXPECT_EQ(f.tasks_spawned, 3u);
  EXPECT_EQ(f.peak_alive, 3u);
  EXPECT_EQ(f.returned, 3u);
  EXPECT_EQ(f.scopes, 2u);
  EXPECT_EQ(f.with_timeouts, 1u);
  EXPECT_EQ(f.deepest_nesting, 1);
  EXPECT_EQ(f.deadlines_hit, 1u);
  EXPECT_EQ(f.grace_expiries, 0u);
  EXPECT_NE(stats.report().find("  tasks: 3 spawned, 3 peak alive, finished: 3 returned"), std::string::npos)
      << stats.report();

  rapidjson::Document doc;
  const std::string json = trace.json();
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << json;
  std::vector<std::string> threads;
  int deadline_hits = 0;
  for (const auto& e : doc["traceEvents"].GetArray()) {
    const std::string ph = e["ph"].GetString(), name = e["name"].GetString();
    if (ph == "M" && name == "thread_name") threads.push_back(e["args"]["name"].GetString());
    if (ph == "i" && name == "deadline hit") {
      ++deadline_hits;
      EXPECT_EQ(e["pid"].GetUint64(), 3u) << "the with_timeout is scope s2, pid 3";
    }
  }
  EXPECT_EQ(threads, (std::vector<std::string>{"main chunk", "t1 w1", "t2 w2", "t3 w3"}));
  EXPECT_EQ(deadline_hits, 1);
  EXPECT_EQ(trace.dropped(), 0u);

  // The page carries the same trace, with "</" kept from ending its script.
  const std::string html = trace.html();
  EXPECT_EQ(html.find("/*TRACE_DATA*/"), std::string::npos);
  EXPECT_NE(html.find("\"generator\":\"lua-batteries\""), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos) << "the page loads nothing";
}

// Names and error texts are the program's: whatever they hold, the JSON
// stays valid and the page's script is not ended early, also across the
// chunks a large trace is written in; the file holds what json() says.
TEST_F(HostTraceTest, TraceWriterEscapesWhatTheProgramNamesAcrossChunks) {
  lb::TraceWriter trace;
  lb::Config config;
  config.virtual_time = true;
  config.observer = &trace;
  install(config, false);
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      for i = 1, 2000 do s:spawn(function() end, {name = "q\"b\\n\n</script>" .. i}) end
      local bad = s:spawn(function() error("</script> \"oops\"", 0) end, {name = "bad"})
      pcall(t.join, bad)
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;

  const std::string json = trace.json();
  ASSERT_GT(json.size(), 3u * 65536) << "the trace spans several chunks";
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(json.c_str()).HasParseError()) << doc.GetParseError() << " at " << doc.GetErrorOffset();
  int named = 0, spawns = 0, failed = 0;
  for (const auto& e : doc["traceEvents"].GetArray()) {
    const std::string ph = e["ph"].GetString(), name = e["name"].GetString();
    if (ph == "M" && name == "thread_name" && e["args"]["name"].GetString() == std::string("t2000 q\"b\\n\n</script>2000"))
      ++named;
    if (ph == "i" && name == "spawn t1 q\"b\\n\n</script>1") ++spawns;
    if (ph == "i" && name == "failed") {
      ++failed;
      EXPECT_STREQ(e["args"]["detail"].GetString(), "</script> \"oops\"");
    }
  }
  EXPECT_EQ(named, 1);
  EXPECT_EQ(spawns, 1);
  EXPECT_EQ(failed, 1);

  std::string in_script;
  for (std::size_t from = 0;;) {
    const std::size_t at = json.find("</", from);
    in_script.append(json, from, at == std::string::npos ? std::string::npos : at + 1 - from);
    if (at == std::string::npos) break;
    in_script += '\\';
    from = at + 1;
  }
  const std::string html = trace.html();
  EXPECT_NE(html.find(in_script), std::string::npos) << "the page holds the trace with every \"</\" as \"<\\/\"";

  const std::string path = testing::TempDir() + "trace_writer_escapes.json";
  ASSERT_EQ(trace.write(path.c_str(), false), "");
  std::FILE* file = std::fopen(path.c_str(), "rb");
  ASSERT_NE(file, nullptr);
  std::string written(json.size() + 1, '\0');
  written.resize(std::fread(written.data(), 1, written.size(), file));
  std::fclose(file);
  std::remove(path.c_str());
  EXPECT_EQ(written, json);
}

}  // namespace
}  // namespace host_test
