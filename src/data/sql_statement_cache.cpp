// A connection's prepared statements, kept for reuse (sql_statement_cache.hpp).
#include "data/sql_statement_cache.hpp"

#include <iterator>
#include <new>
#include <utility>

namespace lua_batteries::data {

// The most recently used first: a statement run again and again is the
// last entry, found at once and taken without moving the others.
SqlStatementCache::Entry SqlStatementCache::take(std::string_view sql) {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->sql == sql) {
      Entry found = std::move(*it);
      entries_.erase(std::next(it).base());
      return found;
    }
  }
  return {};
}

void SqlStatementCache::put(Entry&& entry) noexcept {
  if (entry.stmt == nullptr) return;
  sqlite3_reset(entry.stmt);
  sqlite3_clear_bindings(entry.stmt);
  try {
    if (entries_.size() >= kCapacity) {
      sqlite3_finalize(entries_.front().stmt);
      entries_.erase(entries_.begin());
    }
    entries_.push_back(std::move(entry));
  } catch (const std::bad_alloc&) {
    sqlite3_finalize(entry.stmt);
  }
  entry.stmt = nullptr;
}

void SqlStatementCache::clear() noexcept {
  for (Entry& e : entries_) sqlite3_finalize(e.stmt);
  entries_.clear();
}

}  // namespace lua_batteries::data
