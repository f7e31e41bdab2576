// Looking a program up on a search path (core/path_search.hpp) as execvp
// does, and canonical_program, which does it on the host's PATH, on a real
// temporary tree:
//   a/prog/     a directory named like the program
//   b/prog      a file without execute permission
//   c/prog      the program
//   here/prog   another program, found from the current directory
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "core/path_search.hpp"
#include "lua_batteries/policy.hpp"

namespace {

namespace lb = lua_batteries;

/// search_path's program alone.
std::string search_path(const char* path_value, std::string_view name, std::string_view from_dir = {}) {
  return lb::detail::search_path(path_value, name, from_dir).program;
}

std::string real(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

class PathSearchTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lb-path-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    for (const char* dir : {"/a", "/a/prog", "/b", "/c", "/here", "/empty"})
      ASSERT_EQ(mkdir((root_ + dir).c_str(), 0700), 0);
    write(root_ + "/b/prog", 0644);
    write(root_ + "/c/prog", 0755);
    write(root_ + "/here/prog", 0755);
    const char* path = std::getenv("PATH");
    saved_path_ = path != nullptr ? std::optional<std::string>(path) : std::nullopt;
  }
  void TearDown() override {
    if (saved_path_)
      setenv("PATH", saved_path_->c_str(), 1);
    else
      unsetenv("PATH");
    std::system(("rm -rf '" + root_ + "'").c_str());
  }
  static void write(const std::string& path, mode_t mode) {
    std::ofstream(path) << "#!/bin/sh\n";
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }
  /// A PATH value of the tree's directories `names` ("" an empty entry).
  std::string dirs(std::initializer_list<std::string_view> names) const {
    std::string value;
    bool first = true;
    for (std::string_view name : names) {
      if (!first) value += ':';
      first = false;
      if (!name.empty()) value += root_ + "/" + std::string(name);
    }
    return value;
  }
  std::string root_;
  std::optional<std::string> saved_path_;
};

TEST_F(PathSearchTree, PassesOverADirectoryAndANonExecutableFileOfThatName) {
  EXPECT_EQ(search_path(dirs({"a", "b", "c"}).c_str(), "prog"), root_ + "/c/prog");
  // Not found: execvp says EACCES when it passed something over, else ENOENT.
  const auto passed_over = lb::detail::search_path(dirs({"a", "empty"}).c_str(), "prog");
  EXPECT_EQ(passed_over.program, "");
  EXPECT_TRUE(passed_over.passed_over);
  EXPECT_TRUE(lb::detail::search_path(dirs({"b"}).c_str(), "prog").passed_over);
  const auto nothing = lb::detail::search_path(dirs({"empty", "nonexistent"}).c_str(), "prog");
  EXPECT_EQ(nothing.program, "");
  EXPECT_FALSE(nothing.passed_over);
}

TEST_F(PathSearchTree, AnEntryThatCannotBeSearchedIsPassedOverAsExecvpDoes) {
  // d/ has the program but nobody may search it: an exec through it fails
  // with EACCES, so execvp goes on, and says EACCES if nothing else has it.
  ASSERT_EQ(mkdir((root_ + "/d").c_str(), 0700), 0);
  write(root_ + "/d/prog", 0755);
  ASSERT_EQ(chmod((root_ + "/d").c_str(), 0), 0);
  for (const char* dir : {"", "/c", "/empty"}) ASSERT_EQ(chmod((root_ + dir).c_str(), 0755), 0);
  // Root may search anything: the lookups run as an unprivileged user, in
  // a child process.
  EXPECT_EXIT(
      {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) std::_Exit(2);
        const auto nothing_else = lb::detail::search_path(dirs({"d", "empty"}).c_str(), "prog");
        const auto further_on = lb::detail::search_path(dirs({"d", "c"}).c_str(), "prog");
        std::_Exit(nothing_else.program.empty() && nothing_else.passed_over &&
                           further_on.program == root_ + "/c/prog"
                       ? 0
                       : 1);
      },
      ::testing::ExitedWithCode(0), "");
  ASSERT_EQ(chmod((root_ + "/d").c_str(), 0700), 0);  // for TearDown
}

TEST_F(PathSearchTree, AnEmptyEntryIsTheDirectoryTheProgramStartsIn) {
  const std::string here = root_ + "/here";
  // Leading, inner and trailing empty entries.
  EXPECT_EQ(search_path(dirs({"", "c"}).c_str(), "prog", here), "./prog");
  EXPECT_EQ(search_path(dirs({"a", "", "c"}).c_str(), "prog", here), "./prog");
  EXPECT_EQ(search_path(dirs({"c", ""}).c_str(), "prog", here), root_ + "/c/prog");
  EXPECT_EQ(search_path("", "prog", here), "./prog");
  // Elsewhere the entry has nothing.
  EXPECT_EQ(search_path(dirs({"a", "", "c"}).c_str(), "prog", root_ + "/empty"), root_ + "/c/prog");
}

TEST_F(PathSearchTree, ARelativeEntryIsTakenFromTheDirectoryTheProgramStartsIn) {
  EXPECT_EQ(search_path("a:b:c", "prog", root_), "c/prog");
  EXPECT_EQ(search_path("a:b:c", "prog", root_ + "/here"), "");
  EXPECT_EQ(lb::detail::resolve_from(root_, "c/prog"), root_ + "/c/prog");
  EXPECT_EQ(lb::detail::resolve_from(root_, "/bin/sh"), "/bin/sh");
  EXPECT_EQ(lb::detail::resolve_from("", "c/prog"), "c/prog");
}

TEST(PathSearch, AnUnsetPathIsTheCLibrarysDefault) {
  EXPECT_EQ(lb::detail::default_search_path(), "/bin:/usr/bin");  // glibc's _CS_PATH
  EXPECT_EQ(search_path(nullptr, "sh"), "/bin/sh");
  EXPECT_EQ(search_path(nullptr, "no-such-program-anywhere"), "");
}

TEST_F(PathSearchTree, CanonicalProgramLooksUpTheHostsPathTheSameWay) {
  ASSERT_EQ(setenv("PATH", dirs({"a", "b", "c"}).c_str(), 1), 0);
  EXPECT_EQ(lb::canonical_program("prog"), real(root_ + "/c/prog"));
  ASSERT_EQ(setenv("PATH", dirs({"a", "b"}).c_str(), 1), 0);
  EXPECT_EQ(lb::canonical_program("prog"), std::nullopt);
  // An empty or relative entry from the directory the program starts in.
  ASSERT_EQ(setenv("PATH", dirs({"a", "", "c"}).c_str(), 1), 0);
  EXPECT_EQ(lb::canonical_program("prog", root_ + "/here"), real(root_ + "/here/prog"));
  ASSERT_EQ(setenv("PATH", "a:b:here:c", 1), 0);
  EXPECT_EQ(lb::canonical_program("prog", root_), real(root_ + "/here/prog"));
  // A name with a '/' is not looked up: a relative one is taken from there too.
  EXPECT_EQ(lb::canonical_program("c/prog", root_), real(root_ + "/c/prog"));
  EXPECT_EQ(lb::canonical_program("b/prog", root_), real(root_ + "/b/prog"));
  // PATH unset: the default, not the caller's guess of one.
  ASSERT_EQ(unsetenv("PATH"), 0);
  EXPECT_EQ(lb::canonical_program("sh"), real("/bin/sh"));
  EXPECT_EQ(lb::canonical_program("prog", root_ + "/here"), std::nullopt);
}

}  // namespace
