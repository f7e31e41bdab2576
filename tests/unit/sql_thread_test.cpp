// The hand-off between the loop thread and a connection's thread
// (data/sql_thread.hpp), driven directly on a real loop: every job is run
// once and delivered once, in order, whichever side spins, parks or
// sleeps when; a job is either taken back before it runs or waited for;
// closing joins the thread. Run under ASan+UBSan like every unit test.
#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <cstdint>
#include <memory>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "data/sql_thread.hpp"
#include "thread_count.hpp"

namespace {

using lua_batteries::data::SqlJob;
using lua_batteries::data::SqlJobKind;
using lua_batteries::data::SqlThread;

/// The ids of this process's threads now.
std::set<std::string> thread_ids() {
  std::set<std::string> ids;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return ids;
  while (dirent* entry = readdir(dir))
    if (entry->d_name[0] != '.') ids.insert(entry->d_name);
  closedir(dir);
  return ids;
}

/// The signals thread `id` blocks (its SigBlk line), or 0.
std::uint64_t blocked_signals(const std::string& id) {
  std::ifstream status("/proc/self/task/" + id + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("SigBlk:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  return 0;
}

bool has_signal(std::uint64_t mask, int signal_number) { return (mask >> (signal_number - 1)) & 1; }

/// The CPU time of the whole process, in milliseconds.
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// How long a job runs, and how the next one is posted: chosen per job so
// that each protocol path is taken many times (back to back, the worker
// parked, the loop spinning, the loop busy, the loop asleep).
enum class RunTime { none, short_busy, past_the_spin_windows, long_sleep, fifty_ms };
enum class NextPost { at_once, next_turn, after_the_worker_parked, at_once_with_the_loop_busy };

void busy_for(std::chrono::nanoseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

// Members are public: the libuv callbacks of the tests reach them.
class SqlThreadTest : public ::testing::Test {
 public:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    uv_idle_init(&loop_, &busy_);
    busy_.data = this;
    uv_timer_init(&loop_, &timer_);
    timer_.data = this;
    thread_.init(&loop_);
  }
  void TearDown() override {
    thread_.close();  // idempotent
    uv_close(reinterpret_cast<uv_handle_t*>(&busy_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_TRUE(closed_);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }

  SqlJob& new_job() {
    jobs_.push_back(std::make_unique<SqlJob>(nullptr, SqlJobKind::exec));
    return *jobs_.back();
  }

  // Worker thread: numbers the job in the order the worker runs them.
  static void run(void* self, SqlJob& job) {
    auto* t = static_cast<SqlThreadTest*>(self);
    job.last_id = ++t->runs_;
    switch (static_cast<RunTime>(job.transaction)) {
      case RunTime::none: break;
      case RunTime::short_busy: busy_for(std::chrono::microseconds(5)); break;
      case RunTime::past_the_spin_windows: std::this_thread::sleep_for(std::chrono::microseconds(150)); break;
      case RunTime::long_sleep: std::this_thread::sleep_for(std::chrono::milliseconds(2)); break;
      case RunTime::fifty_ms: std::this_thread::sleep_for(std::chrono::milliseconds(50)); break;
    }
  }
  static void done(void* self, SqlJob& job) {
    auto* t = static_cast<SqlThreadTest*>(self);
    ++t->delivered_;
    EXPECT_EQ(job.last_id, t->delivered_) << "delivered out of order, or twice";
    uv_idle_stop(&t->busy_);
    if (t->on_done) t->on_done(job);
  }
  static void closed(void* self) { static_cast<SqlThreadTest*>(self)->closed_ = true; }

  uv_loop_t loop_{};
  uv_idle_t busy_{};  // while started, the loop never sleeps (nor spins)
  uv_timer_t timer_{};
  SqlThread thread_{this, {&SqlThreadTest::run, &SqlThreadTest::done, &SqlThreadTest::closed}};
  std::vector<std::unique_ptr<SqlJob>> jobs_;
  std::atomic<std::int64_t> runs_{0};
  std::int64_t delivered_ = 0;
  bool closed_ = false;
  std::function<void(SqlJob&)> on_done;
  std::function<void()> post_from_timer;
};

TEST_F(SqlThreadTest, every_job_runs_once_and_is_delivered_once_in_order_whatever_the_timing) {
  constexpr int kJobs = 2000;
  std::mt19937 random(16);  // fixed: a failure can be replayed
  int posted = 0;
  auto post_next = [&] {
    if (posted == kJobs) return;
    SqlJob& job = new_job();
    const unsigned r = random() % 100;
    job.transaction = static_cast<std::uint64_t>(r < 70 ? RunTime::none
                                                 : r < 85 ? RunTime::short_busy
                                                 : r < 97 ? RunTime::past_the_spin_windows
                                                          : RunTime::long_sleep);
    ++posted;
    ASSERT_EQ(thread_.post(job), 0);
  };
  on_done = [&](SqlJob&) {
    switch (static_cast<NextPost>(random() % 4)) {
      case NextPost::at_once: post_next(); break;
      case NextPost::next_turn:
        uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<SqlThreadTest*>(t->data)->post_from_timer(); }, 0, 0);
        break;
      case NextPost::after_the_worker_parked:
        uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<SqlThreadTest*>(t->data)->post_from_timer(); }, 1, 0);
        break;
      case NextPost::at_once_with_the_loop_busy:
        uv_idle_start(&busy_, [](uv_idle_t*) {});
        post_next();
        break;
    }
  };
  post_from_timer = post_next;
  post_next();
  uv_run(&loop_, UV_RUN_DEFAULT);  // ends when nothing is out: the thread's handles keep it alive only then
  EXPECT_EQ(posted, kJobs);
  EXPECT_EQ(runs_.load(), kJobs);
  EXPECT_EQ(delivered_, kJobs);
}

TEST_F(SqlThreadTest, a_job_is_either_taken_back_before_it_runs_or_waited_for) {
  constexpr int kJobs = 2000;
  std::mt19937 random(17);
  int retracted = 0;
  int waited = 0;
  for (int i = 0; i < kJobs; ++i) {
    SqlJob& job = new_job();
    job.transaction = static_cast<std::uint64_t>(random() % 8 == 0 ? RunTime::past_the_spin_windows : RunTime::none);
    const std::int64_t runs_before = runs_.load();
    ASSERT_EQ(thread_.post(job), 0);
    // Every so often, long enough for the worker to have parked.
    if (random() % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    busy_for(std::chrono::nanoseconds(random() % 60000));
    if (thread_.retract()) {
      ++retracted;
      EXPECT_EQ(job.last_id, 0) << "a job taken back ran";
    } else {
      SqlJob& back = thread_.wait();
      ++waited;
      EXPECT_EQ(&back, &job);
      EXPECT_EQ(back.last_id, runs_before + 1);
    }
    // Every other turn the loop turns: a wake-up left over from a result
    // that wait() took must deliver nothing.
    if (i % 2 == 0) uv_run(&loop_, UV_RUN_NOWAIT);
  }
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(delivered_, 0) << "wait() took the result: the done hook must not see it";
  EXPECT_EQ(runs_.load(), waited);
  EXPECT_EQ(retracted + waited, kJobs);
}

TEST_F(SqlThreadTest, the_thread_starts_at_the_first_job_and_closing_joins_it) {
  const int before = thread_count();
  ASSERT_GT(before, 0);
  EXPECT_EQ(thread_count(), before) << "no job yet: no thread";
  on_done = [](SqlJob&) {};
  ASSERT_EQ(thread_.post(new_job()), 0);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(delivered_, 1);
  EXPECT_EQ(thread_count(), before + 1);
  thread_.close();
  EXPECT_EQ(thread_count(), before) << "close() returned before the thread ended";
}

TEST_F(SqlThreadTest, the_thread_blocks_process_signals_and_leaves_the_loop_threads_mask_as_it_was) {
  sigset_t loop_mask_before;
  pthread_sigmask(SIG_SETMASK, nullptr, &loop_mask_before);
  const std::set<std::string> before = thread_ids();
  on_done = [](SqlJob&) {};
  ASSERT_EQ(thread_.post(new_job()), 0);
  uv_run(&loop_, UV_RUN_DEFAULT);
  std::string started;
  for (const std::string& id : thread_ids())
    if (before.count(id) == 0) started = id;
  ASSERT_FALSE(started.empty());
  const std::uint64_t blocked = blocked_signals(started);
  EXPECT_TRUE(has_signal(blocked, SIGINT));
  EXPECT_TRUE(has_signal(blocked, SIGCHLD));
  EXPECT_TRUE(has_signal(blocked, SIGTERM));
  EXPECT_FALSE(has_signal(blocked, SIGSEGV)) << "faults must stay deliverable";
  sigset_t loop_mask_after;
  pthread_sigmask(SIG_SETMASK, nullptr, &loop_mask_after);
  for (int s = 1; s < 32; ++s) EXPECT_EQ(sigismember(&loop_mask_before, s), sigismember(&loop_mask_after, s)) << s;
}

TEST_F(SqlThreadTest, neither_side_spins_through_a_long_job_nor_while_no_job_comes) {
  // Each side spins for at most its window (SqlThread::kLoopSpinNs,
  // kWorkerSpinNs), then sleeps: over a job of 50 ms and 50 ms without a
  // job, a fraction of a millisecond of CPU, where spinning on would take
  // the whole 100 ms.
  on_done = [](SqlJob&) {};
  SqlJob& job = new_job();
  job.transaction = static_cast<std::uint64_t>(RunTime::fifty_ms);
  ASSERT_EQ(thread_.post(job), 0);  // starts the thread: not measured
  uv_run(&loop_, UV_RUN_DEFAULT);
  const double cpu_before = process_cpu_ms();
  ASSERT_EQ(thread_.post(job), 0);
  uv_run(&loop_, UV_RUN_DEFAULT);  // the loop sleeps until the wake-up
  EXPECT_EQ(delivered_, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the worker parks
  EXPECT_LT(process_cpu_ms() - cpu_before, 20.0);
}

}  // namespace
