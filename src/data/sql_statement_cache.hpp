// lua-batteries: a connection's prepared statements, kept for reuse.
//
// Preparing a statement costs more than running a point query, so a
// connection keeps the last few it prepared, keyed by their SQL text.
// A statement is taken out while it runs and given back afterwards
// (reset, bindings cleared), so an entry is never in use twice and a
// failure between take and put only finalizes that one statement.
//
// Threading: whoever runs the connection's statements (one at a time:
// the worker thread during a job, the loop thread when nothing runs).
// clear() must run before the handle is closed: sqlite3_close_v2 keeps a
// handle with unfinalized statements open as a zombie.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lua_batteries::data {

class SqlStatementCache {
 public:
  /// How many statements a connection keeps.
  static constexpr std::size_t kCapacity = 16;

  struct Entry {
    std::string sql;
    sqlite3_stmt* stmt = nullptr;
  };

  SqlStatementCache() = default;
  SqlStatementCache(const SqlStatementCache&) = delete;
  SqlStatementCache& operator=(const SqlStatementCache&) = delete;
  ~SqlStatementCache() { clear(); }

  /// Takes the statement kept for `sql` out of the cache; `stmt` is null
  /// when there is none (then the caller prepares it).
  Entry take(std::string_view sql);
  /// Keeps `entry.stmt` (after resetting it and clearing its bindings),
  /// the most recently used; the least recently used beyond the capacity
  /// is finalized. Never throws: if the entry cannot be kept it is
  /// finalized.
  void put(Entry&& entry) noexcept;
  /// Finalizes every statement kept.
  void clear() noexcept;

 private:
  std::vector<Entry> entries_;  // least recently used first
};

}  // namespace lua_batteries::data
