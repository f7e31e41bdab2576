// A task waiting for one SQLite job (sql_op.hpp).
#include "data/sql_op.hpp"

#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include "data/called_by_collector.hpp"
#include "data/json_codec.hpp"
#include "io/io_error.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::data {
namespace {

constexpr const char* kOpMetatable = "lua_batteries.sql.Op";
// Ops whose result was read are kept for the next statements (an op is a
// userdata with a finalizer: making one per statement cost more than the
// statement's hand-off), up to this many per state.
constexpr int kOpPoolSize = 16;

struct SqlOp {
  SqlOp(const char* op_name) : awaiter(&SqlOp::on_interrupt, this, CancelMode::deferred), name(op_name) {}

  // A statement SQLite interrupted for a cancellation did nothing (SQLite
  // rolls an interrupted statement back): the call raises `task
  // cancelled`. One that finished before the interrupt reached it
  // happened: the call returns its result.
  static void on_done(SqlJob& job) {
    Awaiter& awaiter = static_cast<SqlOp*>(job.waiter)->awaiter;
    if (job.rc == SQLITE_INTERRUPT && !job.timed_out) {
      awaiter.complete_interrupted();
    } else {
      awaiter.complete();
    }
  }
  static void on_interrupt(Awaiter& awaiter, Interruption why);
  void drop_job() {
    if (job != nullptr) job->conn->abandon(*job);
    job = nullptr;
  }

  Awaiter awaiter;
  SqlJob* job = nullptr;
  const char* name;
};

struct OpSlot {
  bool alive;
  alignas(SqlOp) unsigned char storage[sizeof(SqlOp)];
  SqlOp* op() { return std::launder(reinterpret_cast<SqlOp*>(storage)); }
};

void SqlOp::on_interrupt(Awaiter& awaiter, Interruption why) {
  auto* op = static_cast<SqlOp*>(awaiter.user_data());
  SqlJob* job = op->job;
  if (why != Interruption::cancel_requested) {  // the wait is over
    op->drop_job();
    return;
  }
  if (job == nullptr || job->finished) {
    awaiter.complete();  // it happened: the result is returned
  } else if (job->conn->withdraw(*job)) {
    job->finished = true;
    job->clear_results();
    job->rc = SQLITE_INTERRUPT;
    awaiter.complete_interrupted();  // it never ran
  } else {
    job->conn->interrupt(*job);  // completes when SQLite lets go
  }
}

// The op's end: the job is abandoned (interrupted if it still runs) and
// the awaiter destroyed (a task still waiting on it, at lua_close, is
// told the operation was abandoned).
int op_gc(lua_State* L) {
  auto* slot = static_cast<OpSlot*>(lua_touserdata(L, 1));
  if (slot == nullptr || !slot->alive || !called_by_collector(L)) return 0;
  slot->alive = false;
  SqlOp* op = slot->op();
  op->drop_job();
  op->~SqlOp();
  return 0;
}

SqlOp& op_at(lua_State* L, int index) { return *static_cast<OpSlot*>(lua_touserdata(L, index))->op(); }

// The pool (DataState::op_pool): a userdata with the ops as its user
// values 1..spares. Each op has the pool as its user value.
struct OpPool {
  int spares;
};

// Why a parameter value cannot be bound (the first pass: no copying).
enum class ParamProblem { none, non_finite, unsupported_type };

ParamProblem param_problem(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
    case LUA_TSTRING: return ParamProblem::none;
    case LUA_TNUMBER:
      if (!lua_isinteger(L, index) && !std::isfinite(lua_tonumber(L, index))) return ParamProblem::non_finite;
      return ParamProblem::none;
    case LUA_TLIGHTUSERDATA:
      if (is_null_sentinel(L, index)) return ParamProblem::none;
      break;
    default: break;
  }
  return ParamProblem::unsupported_type;
}

// [-0, +0, v] Checks the parameter at `index`, labelled "#i" when
// `position` > 0, else ":<the string at name_index>"; `row` > 0 names the
// row of a batch in the error.
void check_param(lua_State* L, int index, const char* op_name, lua_Integer row, lua_Integer position,
                 int name_index) {
  const ParamProblem problem = param_problem(L, index);
  if (problem == ParamProblem::none) return;
  index = lua_absindex(L, index);
  if (row > 0) op_name = lua_pushfstring(L, "%s: row %I", op_name, static_cast<LUAI_UACINT>(row));
  if (problem == ParamProblem::unsupported_type) {
    luaL_error(L, "%s: unsupported SQL param type: %s", op_name, luaL_typename(L, index));
  }
  const char* label = position > 0 ? lua_pushfstring(L, "#%I", static_cast<LUAI_UACINT>(position))
                                   : lua_pushfstring(L, ":%s", lua_tostring(L, name_index));
  luaL_error(L, "%s: SQL param %s is non-finite (%s); NaN and ±Inf are not supported", op_name, label,
             lua_tostring(L, index));
}

// [-0, +0, v] Checks the parameter table at `index` (an array, or a table
// of names); returns how many positional parameters it has (0: named).
lua_Integer check_params(lua_State* L, int index, const char* op_name, lua_Integer row) {
  const lua_Integer positional = static_cast<lua_Integer>(lua_rawlen(L, index));
  if (positional > 0) {
    for (lua_Integer i = 1; i <= positional; ++i) {
      lua_rawgeti(L, index, i);
      check_param(L, -1, op_name, row, i, 0);
      lua_pop(L, 1);
    }
    return positional;
  }
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      if (row > 0) op_name = lua_pushfstring(L, "%s: row %I", op_name, static_cast<LUAI_UACINT>(row));
      luaL_error(L, "%s: parameter names must be strings, got %s", op_name, luaL_typename(L, -2));
    }
    check_param(L, -1, op_name, row, 0, lua_absindex(L, -2));
    lua_pop(L, 1);
  }
  return 0;
}

// Copies a value param_problem accepts (may throw std::bad_alloc).
void copy_param(lua_State* L, int index, SqlValue& v) {
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN:
      v.type = SqlValue::Type::integer;
      v.integer = lua_toboolean(L, index);
      return;
    case LUA_TNUMBER:
      if (lua_isinteger(L, index)) {
        v.type = SqlValue::Type::integer;
        v.integer = lua_tointeger(L, index);
      } else {
        v.type = SqlValue::Type::real;
        v.real = lua_tonumber(L, index);
      }
      return;
    case LUA_TSTRING: {
      std::size_t n = 0;
      const char* s = lua_tolstring(L, index, &n);
      v.type = SqlValue::Type::text;
      v.text.assign(s, n);
      return;
    }
    default: v.type = SqlValue::Type::null; return;
  }
}

// Copies the `count` parameters of the array at `index`, checking each as
// it goes: the position of the first that cannot be bound (nothing after
// it is copied), or 0. May throw std::bad_alloc.
lua_Integer copy_array(lua_State* L, int index, lua_Integer count, std::vector<SqlParam>& params) {
  params.resize(static_cast<std::size_t>(count));
  for (lua_Integer i = 1; i <= count; ++i) {
    lua_rawgeti(L, index, i);
    const bool bindable = param_problem(L, -1) == ParamProblem::none;
    if (bindable) copy_param(L, -1, params[static_cast<std::size_t>(i - 1)].value);
    lua_pop(L, 1);
    if (!bindable) return i;
  }
  return 0;
}

// Copies the parameters at `index` (checked); false when out of memory.
bool copy_params(lua_State* L, int index, lua_Integer positional, std::vector<SqlParam>& params) {
  try {
    if (positional > 0) {
      copy_array(L, index, positional, params);  // checked: every one is copied
      return true;
    }
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
      SqlParam& p = params.emplace_back();
      std::size_t n = 0;
      const char* name = lua_tolstring(L, -2, &n);  // a string: checked
      p.name.assign(name, n);
      copy_param(L, -1, p.value);
      lua_pop(L, 1);
    }
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace

int create_sql_op_pool(lua_State* L) {
  auto* pool = static_cast<OpPool*>(lua_newuserdatauv(L, sizeof(OpPool), kOpPoolSize));
  pool->spares = 0;
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

SqlJob& push_sql_op(lua_State* L, SqlConnection& conn, SqlJobKind kind, const char* op_name) {
  SqlOp* op = nullptr;
  lua_rawgeti(L, LUA_REGISTRYINDEX, conn.op_pool());
  OpPool& pool = *static_cast<OpPool*>(lua_touserdata(L, -1));
  if (pool.spares > 0) {
    lua_getiuservalue(L, -1, pool.spares);
    lua_pushnil(L);
    lua_setiuservalue(L, -3, pool.spares);
    --pool.spares;
    lua_remove(L, -2);
    op = &op_at(L, -1);
    op->awaiter.reset();
    op->name = op_name;
  } else {
    auto* slot = static_cast<OpSlot*>(lua_newuserdatauv(L, sizeof(OpSlot), 1));
    slot->alive = false;
    lua_rotate(L, -2, 1);
    lua_setiuservalue(L, -2, 1);  // its pool
    if (luaL_newmetatable(L, kOpMetatable)) {
      lua_pushcfunction(L, op_gc);
      lua_setfield(L, -2, "__gc");
      lua_pushliteral(L, "std.sql.Op");
      lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    op = new (slot->storage) SqlOp(op_name);
    slot->alive = true;
  }
  op->job = conn.new_job(kind);
  if (op->job == nullptr) luaL_error(L, "not enough memory");
  op->job->owner = current_task_number(L);
  op->job->waiter = op;
  op->job->on_done = &SqlOp::on_done;
  return *op->job;
}

void read_sql_statement(lua_State* L, int sql_index, int params_index, SqlJob& job, const char* op_name) {
  std::size_t size = 0;
  const char* sql = luaL_checklstring(L, sql_index, &size);
  const bool has_params = params_index != 0 && !lua_isnoneornil(L, params_index);
  if (has_params) luaL_checktype(L, params_index, LUA_TTABLE);
  const lua_Integer positional = has_params ? static_cast<lua_Integer>(lua_rawlen(L, params_index)) : 0;
  // An array is checked as it is copied; a table of names first.
  if (has_params && positional == 0) check_params(L, params_index, op_name, 0);
  bool ok = true;
  lua_Integer bad = 0;  // the position of a parameter that cannot be bound
  try {
    job.sql.assign(sql, size);
    bad = copy_array(L, params_index, positional, job.params);
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  if (bad > 0) {
    lua_rawgeti(L, params_index, bad);
    check_param(L, -1, op_name, 0, bad, 0);  // raises
  }
  if (ok && has_params && positional == 0) ok = copy_params(L, params_index, 0, job.params);
  if (!ok) luaL_error(L, "not enough memory");
}

void read_sql_batch(lua_State* L, int sql_index, int rows_index, SqlJob& job, const char* op_name) {
  std::size_t size = 0;
  const char* sql = luaL_checklstring(L, sql_index, &size);
  luaL_checktype(L, rows_index, LUA_TTABLE);
  const lua_Integer rows = static_cast<lua_Integer>(lua_rawlen(L, rows_index));
  luaL_checkstack(L, 4, "too many rows");
  for (lua_Integer r = 1; r <= rows; ++r) {
    if (lua_rawgeti(L, rows_index, r) != LUA_TTABLE) {
      luaL_error(L, "%s: row %I: expected a table of parameters, got %s", op_name, static_cast<LUAI_UACINT>(r),
                 luaL_typename(L, -1));
    }
    check_params(L, lua_gettop(L), op_name, r);
    lua_pop(L, 1);
  }
  bool ok = true;
  try {
    job.sql.assign(sql, size);
    job.rows.resize(static_cast<std::size_t>(rows));
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  for (lua_Integer r = 1; ok && r <= rows; ++r) {
    lua_rawgeti(L, rows_index, r);
    const int row = lua_gettop(L);
    ok = copy_params(L, row, static_cast<lua_Integer>(lua_rawlen(L, row)), job.rows[static_cast<std::size_t>(r - 1)]);
    lua_pop(L, 1);
  }
  if (!ok) luaL_error(L, "not enough memory");
}

int await_sql_op(lua_State* L, lua_KFunction k, lua_KContext ctx) {
  SqlOp& op = op_at(L, -1);
  op.job->conn->submit(*op.job);
  return await(L, op.awaiter, op.name, k, ctx);
}

SqlJob& sql_op_result(lua_State* L, int index) {
  SqlOp& op = op_at(L, index);
  SqlJob& job = *op.job;
  if (!job.failed()) return job;
  const char* code = sqlite_code_name(job.rc);
  const char* kind = "io";
  if (job.timed_out) {
    kind = "timeout";
    code = "ETIMEDOUT";
    lua_pushfstring(L, "%s timeout (%Ims)", op.name,
                    static_cast<LUAI_UACINT>(std::llround(job.conn->timeout_ms())));
  } else if (job.rc == SQLITE_NOMEM && job.error.empty()) {
    lua_pushliteral(L, "not enough memory");
  } else if (std::strncmp(op.name, "kv.", 3) == 0) {
    lua_pushfstring(L, "%s sql error: %s", op.name, job.error.c_str());
  } else {
    lua_pushfstring(L, "sql error: %s", job.error.c_str());
  }
  op.drop_job();
  io::raise_error(L, kind, op.name, code, lua_tostring(L, -1));
}

void sql_op_done(lua_State* L, int index) {
  op_at(L, index).drop_job();
  // Its wait is over and nothing else refers to it: the op goes back to
  // the pool, if there is room (a user value slot: no allocation).
  index = lua_absindex(L, index);
  lua_getiuservalue(L, index, 1);
  auto* pool = static_cast<OpPool*>(lua_touserdata(L, -1));
  if (pool->spares < kOpPoolSize) {
    lua_pushvalue(L, index);
    lua_setiuservalue(L, -2, ++pool->spares);
  }
  lua_pop(L, 1);
}

void push_sql_value(lua_State* L, const SqlValue& v) {
  switch (v.type) {
    case SqlValue::Type::null: push_null_sentinel(L); return;
    case SqlValue::Type::integer: lua_pushinteger(L, static_cast<lua_Integer>(v.integer)); return;
    case SqlValue::Type::real: lua_pushnumber(L, static_cast<lua_Number>(v.real)); return;
    case SqlValue::Type::text: lua_pushlstring(L, v.text.data(), v.text.size()); return;
  }
}

}  // namespace lua_batteries::data
