// Tests of std.time (src/lua/time_module.cpp) on a plain Lua state, without
// the task runtime: the table is installed as the global `time`.
#include "lua/time_module.hpp"

#include <gtest/gtest.h>

#include <lua.hpp>

#include <ctime>
#include <string>

namespace {

/// Passes when `text` contains `part`.
::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

class TimeModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    L_ = luaL_newstate();
    ASSERT_NE(L_, nullptr);
    luaL_openlibs(L_);
    lua_batteries::detail::open_time_module(L_);
    lua_setglobal(L_, "time");
  }

  void TearDown() override { lua_close(L_); }

  /// Runs `code` in protected mode; returns "" on success, else the error.
  std::string run(const char* code) {
    if (luaL_dostring(L_, code) == LUA_OK) return "";
    std::string error = lua_tostring(L_, -1) != nullptr ? lua_tostring(L_, -1) : "(not a string)";
    lua_pop(L_, 1);
    return error.empty() ? "(empty error)" : error;
  }

  /// Evaluates the expression `expr` and returns it as a number.
  double number(const char* expr) {
    const std::string code = std::string("return ") + expr;
    EXPECT_EQ(luaL_dostring(L_, code.c_str()), LUA_OK) << lua_tostring(L_, -1);
    const double value = lua_tonumber(L_, -1);
    lua_settop(L_, 0);
    return value;
  }

  lua_State* L_ = nullptr;
};

TEST_F(TimeModuleTest, ExposesExactlyTheFourFunctions) {
  EXPECT_EQ(run(R"(
    local names = {}
    for k, v in pairs(time) do
      assert(type(v) == "function", k)
      names[#names + 1] = k
    end
    table.sort(names)
    assert(table.concat(names, ",") == "measure,millis,monotonic,now", table.concat(names, ","))
  )"), "");
}

TEST_F(TimeModuleTest, NowIsEpochSecondsAsAFloat) {
  EXPECT_EQ(run("assert(math.type(time.now()) == 'float')"), "");
  const double now = number("time.now()");
  EXPECT_NEAR(now, static_cast<double>(std::time(nullptr)), 2.0);
}

TEST_F(TimeModuleTest, NowHasSubMillisecondResolution) {
  // Within a busy second, some readings carry a fraction finer than 1 ms.
  EXPECT_EQ(run(R"(
    local fine = false
    for _ = 1, 1000 do
      local t = time.now() * 1000
      if t ~= math.floor(t) then fine = true break end
    end
    assert(fine, "now() only has millisecond resolution")
  )"), "");
}

TEST_F(TimeModuleTest, MillisIsAnIntegerCloseToNowTimesAThousand) {
  EXPECT_EQ(run(R"(
    local ms = time.millis()
    assert(math.type(ms) == "integer", math.type(ms))
    local diff = math.abs(ms - time.now() * 1000)
    assert(diff < 50, "millis and now differ by " .. diff .. " ms")
  )"), "");
}

TEST_F(TimeModuleTest, MonotonicIsAFloatThatNeverGoesBack) {
  EXPECT_EQ(run(R"(
    local last = time.monotonic()
    assert(math.type(last) == "float")
    for _ = 1, 10000 do
      local t = time.monotonic()
      assert(t >= last, "monotonic went back")
      last = t
    end
  )"), "");
}

TEST_F(TimeModuleTest, MonotonicIncreasesOverABusyWait) {
  EXPECT_EQ(run(R"(
    local t0 = time.monotonic()
    local c0 = os.clock()
    while os.clock() - c0 < 0.005 do end  -- 5 ms of CPU is >= 5 ms of wall time
    local dt = time.monotonic() - t0
    assert(dt >= 0.0049, "monotonic advanced only " .. dt .. " s")
  )"), "");
}

TEST_F(TimeModuleTest, MeasureReturnsElapsedSecondsThenEveryResult) {
  EXPECT_EQ(run(R"(
    local n = select("#", time.measure(function() return nil, 2, nil end))
    assert(n == 4, "got " .. n .. " values")
    local elapsed, a, b, c = time.measure(function() return nil, 2, nil end)
    assert(math.type(elapsed) == "float" and elapsed >= 0, tostring(elapsed))
    assert(a == nil and b == 2 and c == nil)
  )"), "");
}

TEST_F(TimeModuleTest, MeasurePassesItsExtraArgumentsToFn) {
  EXPECT_EQ(run(R"(
    local elapsed, n, x, y, z = time.measure(function(...)
      return select("#", ...), ...
    end, "x", nil, 3)
    assert(n == 3 and x == "x" and y == nil and z == 3)
  )"), "");
}

TEST_F(TimeModuleTest, MeasureOfAFunctionWithoutResultsReturnsOnlyTheTime) {
  EXPECT_EQ(run(R"(
    assert(select("#", time.measure(function() end)) == 1)
  )"), "");
}

TEST_F(TimeModuleTest, MeasureCoversTheTimeFnTakes) {
  EXPECT_EQ(run(R"(
    local elapsed = time.measure(function()
      local c0 = os.clock()
      while os.clock() - c0 < 0.005 do end
    end)
    assert(elapsed >= 0.0049 and elapsed < 5, "elapsed " .. elapsed)
  )"), "");
}

TEST_F(TimeModuleTest, MeasureLetsFnYieldAndIncludesTheSuspendedTime) {
  EXPECT_EQ(run(R"(
    local co = coroutine.wrap(function()
      return time.measure(function(a)
        local b = coroutine.yield("suspended")
        return a, b
      end, "a")
    end)
    assert(co() == "suspended")
    local c0 = os.clock()
    while os.clock() - c0 < 0.005 do end
    local elapsed, a, b = co("b")
    assert(a == "a" and b == "b", tostring(a) .. tostring(b))
    assert(elapsed >= 0.0049, "elapsed " .. elapsed)
  )"), "");
}

TEST_F(TimeModuleTest, MeasureRaisesForANonFunction) {
  EXPECT_TRUE(Contains(run("local e = time.measure(nil)"),
                       "bad argument #1 to 'measure' (function expected, got nil)"));
  EXPECT_TRUE(Contains(run("local e = time.measure(42)"),
                       "bad argument #1 to 'measure' (function expected, got number)"));
}

TEST_F(TimeModuleTest, ErrorsFromFnPropagateUnchanged) {
  EXPECT_EQ(run(R"(
    local value = setmetatable({}, {})
    local ok, err = pcall(time.measure, function() error(value) end)
    assert(not ok and rawequal(err, value), "error value was replaced")
    local ok2, err2 = pcall(time.measure, function() error("plain", 0) end)
    assert(not ok2 and err2 == "plain", tostring(err2))
  )"), "");
}

TEST_F(TimeModuleTest, ErrorsAfterAYieldPropagateUnchanged) {
  EXPECT_EQ(run(R"(
    local co = coroutine.create(function()
      return time.measure(function()
        coroutine.yield()
        error("after resume", 0)
      end)
    end)
    assert(coroutine.resume(co))
    local ok, err = coroutine.resume(co)
    assert(not ok and err == "after resume", tostring(err))
  )"), "");
}

TEST_F(TimeModuleTest, MeasureReturnsManyResults) {
  // The elapsed time needs one more stack slot than fn's results.
  EXPECT_EQ(run(R"(
    local t = {}
    for i = 1, 5000 do t[i] = i end
    local r = table.pack(time.measure(function() return table.unpack(t) end))
    assert(r.n == 5001 and r[2] == 1 and r[5001] == 5000)
  )"), "");
}

}  // namespace
