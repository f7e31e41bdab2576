// Lua value -> JSON text (json_codec.hpp) with RapidJSON's writer, which
// escapes strings, checks their UTF-8 and writes floats in the shortest
// form that reads back the same.
//
// Error texts ("<who>: " first), as the reference's:
//   unsupported type for JSON conversion: <type>
//   unsupported table key type for JSON: <type>
//   cannot convert <NaN|inf|-inf> to JSON number
//   Lua table nesting too deep for JSON (limit: <n>)
//   string is not valid UTF-8
//   output too large (limit: <n> bytes)
//
// The walk over the value calls only Lua functions that never raise
// (lua_next, lua_rawgeti, lua_tolstring on strings): a failure is
// recorded, the walk unwinds, and only then the error is raised.
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <new>

#include "data/json_codec.hpp"

namespace lua_batteries::data {
namespace {

using Buffer = rapidjson::StringBuffer;
using CompactWriter =
    rapidjson::Writer<Buffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                      rapidjson::kWriteValidateEncodingFlag>;
using PrettyWriter = rapidjson::PrettyWriter<Buffer>;

template <class Writer>
class Encoder {
 public:
  Encoder(lua_State* L, Writer& writer, const Buffer& buffer, const JsonLimits& limits)
      : L_(L), writer_(writer), buffer_(buffer), limits_(limits) {}

  const char* error() const { return error_; }

  /// Writes the value at the absolute `index`, `depth` levels down.
  bool value(int index, int depth) {
    if (buffer_.GetSize() > limits_.max_bytes) return too_large();
    switch (lua_type(L_, index)) {
      case LUA_TNIL: return writer_.Null();
      case LUA_TBOOLEAN: return writer_.Bool(lua_toboolean(L_, index) != 0);
      case LUA_TNUMBER: return number(index);
      case LUA_TSTRING: {
        std::size_t n = 0;
        const char* s = lua_tolstring(L_, index, &n);
        if (n > limits_.max_bytes) return too_large();
        return writer_.String(s, static_cast<rapidjson::SizeType>(n)) || fail("string is not valid UTF-8");
      }
      case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L_, index) == nullptr) return writer_.Null();
        break;
      case LUA_TTABLE: return table(index, depth);
      default: break;
    }
    return fail("unsupported type for JSON conversion: %s", luaL_typename(L_, index));
  }

 private:
  bool number(int index) {
    if (lua_isinteger(L_, index)) return writer_.Int64(static_cast<int64_t>(lua_tointeger(L_, index)));
    const double d = static_cast<double>(lua_tonumber(L_, index));
    if (std::isnan(d)) return fail("cannot convert NaN to JSON number");
    if (std::isinf(d)) return fail("cannot convert %s to JSON number", d > 0 ? "inf" : "-inf");
    return writer_.Double(d);
  }

  bool table(int index, int depth) {
    if (depth >= limits_.max_depth) return fail("Lua table nesting too deep for JSON (limit: %d)", limits_.max_depth);
    if (!lua_checkstack(L_, 4)) return fail("Lua table nesting too deep for JSON (stack overflow)");
    lua_Integer count = 0, largest = 0;
    bool keys_are_1_to_n = true;
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      ++count;
      if (keys_are_1_to_n) {
        if (lua_isinteger(L_, -2) && lua_tointeger(L_, -2) >= 1) {
          if (lua_tointeger(L_, -2) > largest) largest = lua_tointeger(L_, -2);
        } else {
          keys_are_1_to_n = false;
        }
      }
      lua_pop(L_, 1);
    }
    if (keys_are_1_to_n && count > 0 && largest == count) return array(index, count, depth);
    return object(index, depth);
  }

  bool array(int index, lua_Integer n, int depth) {
    writer_.StartArray();
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L_, index, i);
      const bool ok = value(lua_gettop(L_), depth + 1);
      lua_pop(L_, 1);
      if (!ok) return false;
    }
    return writer_.EndArray();
  }

  bool object(int index, int depth) {
    writer_.StartObject();
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      if (!key(lua_gettop(L_) - 1) || !value(lua_gettop(L_), depth + 1)) {
        lua_pop(L_, 2);
        return false;
      }
      lua_pop(L_, 1);
    }
    return writer_.EndObject();
  }

  // Numbers as keys are written as text without converting the key in
  // place (lua_tolstring on a number would break lua_next).
  bool key(int index) {
    char text[64];
    int n = 0;
    switch (lua_type(L_, index)) {
      case LUA_TSTRING: {
        std::size_t size = 0;
        const char* s = lua_tolstring(L_, index, &size);
        if (size > limits_.max_bytes) return too_large();
        return writer_.Key(s, static_cast<rapidjson::SizeType>(size)) || fail("string is not valid UTF-8");
      }
      case LUA_TNUMBER:
        if (lua_isinteger(L_, index)) {
          n = std::snprintf(text, sizeof text, LUA_INTEGER_FMT, static_cast<LUAI_UACINT>(lua_tointeger(L_, index)));
        } else {
          n = std::snprintf(text, sizeof text, LUA_NUMBER_FMT, static_cast<LUAI_UACNUMBER>(lua_tonumber(L_, index)));
        }
        return writer_.Key(text, static_cast<rapidjson::SizeType>(n));
      default: return fail("unsupported table key type for JSON: %s", luaL_typename(L_, index));
    }
  }

  bool too_large() { return fail("output too large (limit: %zu bytes)", limits_.max_bytes); }

  bool fail(const char* format, ...) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(error_, sizeof error_, format, args);
    va_end(args);
    return false;
  }

  lua_State* L_;
  Writer& writer_;
  const Buffer& buffer_;
  const JsonLimits& limits_;
  char error_[160] = "";
};

// The buffers and the writer, in a Lua userdata: the text is copied out
// with lua_pushlstring, which may raise (out of memory), and then the
// collector frees them instead of nobody.
struct EncodeBox {
  Buffer compact;
  CompactWriter writer{compact, nullptr, 32};  // 32: RapidJSON's default level stack
  Buffer pretty;
};

struct EncodeBoxSlot {
  bool alive;
  alignas(EncodeBox) unsigned char storage[sizeof(EncodeBox)];
  EncodeBox* box() { return std::launder(reinterpret_cast<EncodeBox*>(storage)); }
  void destroy() {
    if (alive) box()->~EncodeBox();
    alive = false;
  }
  static int gc(lua_State* L) {
    static_cast<EncodeBoxSlot*>(lua_touserdata(L, 1))->destroy();
    return 0;
  }
};

constexpr const char* kEncoderMetatable = "lua_batteries.json.Encoder";

// [-0, +1, m] A userdata holding an empty EncodeBox.
EncodeBoxSlot* push_encode_box(lua_State* L) {
  auto* slot = static_cast<EncodeBoxSlot*>(lua_newuserdatauv(L, sizeof(EncodeBoxSlot), 0));
  slot->alive = false;
  if (luaL_newmetatable(L, kEncoderMetatable)) {
    lua_pushcfunction(L, &EncodeBoxSlot::gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  try {
    new (slot->storage) EncodeBox();
  } catch (const std::bad_alloc&) {
    slot = nullptr;
  }
  if (slot == nullptr) luaL_error(L, "not enough memory");
  slot->alive = true;
  return slot;
}

// The compact text re-read into the indenting writer (RapidJSON 1.1's
// PrettyWriter cannot validate UTF-8 itself; the compact pass did).
void indent(EncodeBox& box) {
  PrettyWriter writer(box.pretty, nullptr, 32);
  rapidjson::StringStream in(box.compact.GetString());
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseIterativeFlag>(in, writer);
}

}  // namespace

void push_json_text(lua_State* L, int index, bool pretty, const char* who, const JsonLimits& limits) {
  index = lua_absindex(L, index);
  EncodeBoxSlot* slot = push_encode_box(L);
  EncodeBox& box = *slot->box();
  char error[200] = "";
  bool out_of_memory = false;
  try {  // RapidJSON's level stacks allocate their allocators with new
    Encoder<CompactWriter> encoder(L, box.writer, box.compact, limits);
    if (!encoder.value(index, 0)) std::snprintf(error, sizeof error, "%s", encoder.error());
    if (!error[0] && pretty) indent(box);
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
  }
  if (out_of_memory) {
    slot->destroy();
    luaL_error(L, "not enough memory");
  }
  const Buffer& out = pretty ? box.pretty : box.compact;
  if (!error[0] && out.GetSize() > limits.max_bytes)
    std::snprintf(error, sizeof error, "output too large (limit: %zu bytes)", limits.max_bytes);
  if (error[0]) {
    slot->destroy();
    luaL_error(L, "%s: %s", who, error);
  }
  lua_pushlstring(L, out.GetString(), out.GetSize());
  slot->destroy();
  lua_remove(L, -2);
}

}  // namespace lua_batteries::data
