// Tests of duration validation and formatting (src/core/duration.hpp),
// spec section 3 "Duration validation".
#include "core/duration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

namespace {

using lua_batteries::detail::check_duration;
using lua_batteries::detail::duration_error;
using lua_batteries::detail::duration_ns;
using lua_batteries::detail::DurationCheck;
using lua_batteries::detail::format_ms;
using lua_batteries::detail::kMaxDurationMs;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// "≈" spelled as UTF-8 bytes, independent of the compiler's charset.
const std::string kMaxText = "max\xE2\x89\x88" "1.845e13";

TEST(DurationTest, NaNAndInfinitiesAreInvalid) {
  EXPECT_EQ(check_duration(kNaN), DurationCheck::invalid);
  EXPECT_EQ(check_duration(-kNaN), DurationCheck::invalid);
  EXPECT_EQ(check_duration(kInf), DurationCheck::invalid);
  EXPECT_EQ(check_duration(-kInf), DurationCheck::invalid);
}

TEST(DurationTest, NegativeValuesAreInvalid) {
  EXPECT_EQ(check_duration(-1), DurationCheck::invalid);
  EXPECT_EQ(check_duration(-0.5), DurationCheck::invalid);
  EXPECT_EQ(check_duration(-std::numeric_limits<double>::denorm_min()), DurationCheck::invalid);
  EXPECT_EQ(check_duration(-1e300), DurationCheck::invalid);
}

TEST(DurationTest, ZeroFractionsAndOrdinaryValuesAreOk) {
  EXPECT_EQ(check_duration(0), DurationCheck::ok);
  EXPECT_EQ(check_duration(0.25), DurationCheck::ok);
  EXPECT_EQ(check_duration(10.5), DurationCheck::ok);
  EXPECT_EQ(check_duration(1000), DurationCheck::ok);
  EXPECT_EQ(check_duration(std::numeric_limits<double>::denorm_min()), DurationCheck::ok);
}

TEST(DurationTest, TheMaximumItselfIsOkAndTheNextNumberIsOutOfRange) {
  EXPECT_DOUBLE_EQ(kMaxDurationMs, 18446744073709.551616);
  EXPECT_EQ(check_duration(kMaxDurationMs), DurationCheck::ok);
  EXPECT_EQ(check_duration(std::nextafter(kMaxDurationMs, kInf)), DurationCheck::out_of_range);
  EXPECT_EQ(check_duration(std::nextafter(kMaxDurationMs, 0.0)), DurationCheck::ok);
}

TEST(DurationTest, HugeValuesAreOutOfRange) {
  EXPECT_EQ(check_duration(2e13), DurationCheck::out_of_range);
  EXPECT_EQ(check_duration(1e300), DurationCheck::out_of_range);
  EXPECT_EQ(check_duration(std::numeric_limits<double>::max()), DurationCheck::out_of_range);
}

TEST(DurationTest, NanosecondsOfValidDurations) {
  EXPECT_EQ(duration_ns(0), 0u);
  EXPECT_EQ(duration_ns(0.25), 250'000u);
  EXPECT_EQ(duration_ns(10.5), 10'500'000u);
  EXPECT_EQ(duration_ns(1000), 1'000'000'000u);
  // The maximum is 2^64 ns, one past the largest u64: it saturates.
  EXPECT_EQ(duration_ns(kMaxDurationMs), UINT64_MAX);
}

TEST(DurationTest, IntegersPrintWithoutAFractionPart) {
  EXPECT_EQ(format_ms(0), "0");
  EXPECT_EQ(format_ms(1), "1");
  EXPECT_EQ(format_ms(100), "100");
  EXPECT_EQ(format_ms(-1), "-1");
  EXPECT_EQ(format_ms(-250), "-250");
  EXPECT_EQ(format_ms(2e13), "20000000000000");
}

TEST(DurationTest, FractionsPrintAsTheShortestTextThatReadsBack) {
  EXPECT_EQ(format_ms(0.25), "0.25");
  EXPECT_EQ(format_ms(10.5), "10.5");
  EXPECT_EQ(format_ms(-0.5), "-0.5");
  EXPECT_EQ(format_ms(0.1), "0.1");
  EXPECT_EQ(format_ms(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_ms(0.1 + 0.2), "0.30000000000000004");
}

TEST(DurationTest, SpecialValuesPrintAsNaNAndInf) {
  EXPECT_EQ(format_ms(kNaN), "NaN");
  EXPECT_EQ(format_ms(-kNaN), "NaN");
  EXPECT_EQ(format_ms(kInf), "inf");
  EXPECT_EQ(format_ms(-kInf), "-inf");
}

TEST(DurationTest, HugeValuesPrintInExponentForm) {
  const std::string text = format_ms(1e300);
  EXPECT_TRUE(text == "1e+300" || text == "1e300") << text;
  const std::string negative = format_ms(-1e300);
  EXPECT_TRUE(negative == "-1e+300" || negative == "-1e300") << negative;
}

/// Significant digits of a %g-style text ("0.25" -> 2, "1e+300" -> 1).
int significant_digits(const std::string& text) {
  int digits = 0;
  bool leading = true;
  for (char c : text) {
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') continue;
    if (leading && c == '0') continue;
    leading = false;
    ++digits;
  }
  return digits;
}

TEST(DurationTest, RandomValuesReadBackExactlyWithTheFewestDigits) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> small(0, 1000);
  std::uniform_int_distribution<int> exponent(-20, 20);
  for (int i = 0; i < 20'000; ++i) {
    const double ms = std::ldexp(small(rng), exponent(rng)) * (i % 3 == 0 ? -1 : 1);
    const std::string text = format_ms(ms);
    ASSERT_EQ(std::strtod(text.c_str(), nullptr), ms) << text;
    ASSERT_EQ(text.find(".0e"), std::string::npos) << text;
    if (ms == std::trunc(ms)) continue;  // integers are written in full
    const int digits = significant_digits(text);
    ASSERT_GE(digits, 1) << text;
    if (digits > 1) {
      char shorter[400];
      std::snprintf(shorter, sizeof shorter, "%.*g", digits - 1, ms);
      ASSERT_NE(std::strtod(shorter, nullptr), ms) << text << " is not the shortest: " << shorter;
    }
  }
}

TEST(DurationTest, InvalidDurationTextNamesTheContextAndTheValue) {
  EXPECT_EQ(duration_error("std.task.sleep", -1, DurationCheck::invalid), "std.task.sleep: invalid duration (ms=-1)");
  EXPECT_EQ(duration_error("std.task.sleep", kNaN, DurationCheck::invalid),
            "std.task.sleep: invalid duration (ms=NaN)");
  EXPECT_EQ(duration_error("task.with_timeout", kInf, DurationCheck::invalid),
            "task.with_timeout: invalid duration (ms=inf)");
  EXPECT_EQ(duration_error("coroutine yield", -kInf, DurationCheck::invalid),
            "coroutine yield: invalid duration (ms=-inf)");
  EXPECT_EQ(duration_error("std.task.sleep", -0.5, DurationCheck::invalid),
            "std.task.sleep: invalid duration (ms=-0.5)");
}

TEST(DurationTest, OutOfRangeTextNamesTheValueAndTheMaximum) {
  const std::string text = duration_error("std.task.sleep", 2e13, DurationCheck::out_of_range);
  EXPECT_EQ(text, "std.task.sleep: duration out of range (ms=20000000000000, " + kMaxText + ")");
  EXPECT_NE(text.find(kMaxText), std::string::npos);
  const std::string huge = duration_error("task.with_timeout: opts.grace_ms", 1e300, DurationCheck::out_of_range);
  EXPECT_TRUE(huge == "task.with_timeout: opts.grace_ms: duration out of range (ms=1e+300, " + kMaxText + ")" ||
              huge == "task.with_timeout: opts.grace_ms: duration out of range (ms=1e300, " + kMaxText + ")")
      << huge;
}

TEST(DurationTest, ErrorTextFollowsTheCheckOfTheValue) {
  // duration_error is called with check_duration's verdict.
  for (double ms : {kNaN, -kInf, kInf, -3.0, 2e13, 1e300}) {
    const DurationCheck check = check_duration(ms);
    ASSERT_NE(check, DurationCheck::ok) << ms;
    const std::string text = duration_error("ctx", ms, check);
    EXPECT_EQ(text.find("ctx: "), 0u) << text;
    EXPECT_EQ(text.find("out of range") != std::string::npos, check == DurationCheck::out_of_range) << text;
    EXPECT_NE(text.find("(ms=" + format_ms(ms)), std::string::npos) << text;
  }
}

}  // namespace

namespace {

using lua_batteries::detail::saturating_add;

TEST(DurationTest, SaturatingAddStopsAtTheLargestValueInsteadOfWrapping) {
  EXPECT_EQ(saturating_add(1, 2), 3u);
  EXPECT_EQ(saturating_add(UINT64_MAX - 1, 1), UINT64_MAX);
  EXPECT_EQ(saturating_add(UINT64_MAX - 1, 2), UINT64_MAX);
  EXPECT_EQ(saturating_add(1'000'000'000, duration_ns(kMaxDurationMs - 1)), UINT64_MAX);
  EXPECT_EQ(saturating_add(UINT64_MAX, UINT64_MAX), UINT64_MAX);
}

}  // namespace
