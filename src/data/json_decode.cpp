// JSON text -> Lua value (json_codec.hpp). RapidJSON parses the whole
// text into a document first, iteratively (no C recursion however deep the
// input), with a handler in front that stops at max_depth; the document
// lives in a Lua userdata while it is turned into Lua values, so that a
// memory error raised meanwhile leaves it to the collector instead of
// leaking it (Lua is the C build: a raise skips C++ destructors).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string_view>

#include "data/json_codec.hpp"

namespace lua_batteries::data {
namespace {

using Document = rapidjson::Document;
using rapidjson::SizeType;

constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag;

// Forwards the reader's events to the document; a value deeper than
// max_depth (the top-level value has depth 0) ends the parse.
class DepthLimit {
 public:
  DepthLimit(Document& doc, int max_depth) : doc_(doc), max_depth_(max_depth) {}
  bool too_deep() const { return too_deep_; }

  bool Null() { return admit() && doc_.Null(); }
  bool Bool(bool b) { return admit() && doc_.Bool(b); }
  bool Int(int i) { return admit() && doc_.Int(i); }
  bool Uint(unsigned u) { return admit() && doc_.Uint(u); }
  bool Int64(int64_t i) { return admit() && doc_.Int64(i); }
  bool Uint64(uint64_t u) { return admit() && doc_.Uint64(u); }
  bool Double(double d) { return admit() && doc_.Double(d); }
  bool RawNumber(const char* s, SizeType n, bool copy) { return admit() && doc_.RawNumber(s, n, copy); }
  bool String(const char* s, SizeType n, bool copy) { return admit() && doc_.String(s, n, copy); }
  bool Key(const char* s, SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return admit() && (++open_, doc_.StartObject()); }
  bool EndObject(SizeType members) { return --open_, doc_.EndObject(members); }
  bool StartArray() { return admit() && (++open_, doc_.StartArray()); }
  bool EndArray(SizeType elements) { return --open_, doc_.EndArray(elements); }

 private:
  bool admit() {
    if (open_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }
  Document& doc_;
  int max_depth_;
  int open_ = 0;  // containers open: the depth of the next value
  bool too_deep_ = false;
};

// The generator Document::Populate calls: runs the reader into the document.
struct ParseRun {
  const char* text;
  std::size_t size;
  int max_depth;
  rapidjson::ParseResult result{};
  bool too_deep = false;
  bool stray_nul = false;  // a NUL byte where the text should have ended

  bool operator()(Document& doc) {
    DepthLimit handler(doc, max_depth);
    rapidjson::MemoryStream stream(text, size);
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(stream, handler);
    too_deep = handler.too_deep();
    // The reader takes a NUL byte for the end of the text.
    if (!result.IsError() && stream.Tell() < size) {
      stray_nul = true;
      result.Set(rapidjson::kParseErrorDocumentRootNotSingular, stream.Tell());
    }
    return !result.IsError();
  }
};

constexpr const char* kDocumentMetatable = "lua_batteries.json.Document";

struct DocumentBox {
  bool alive;
  alignas(Document) unsigned char storage[sizeof(Document)];
  Document* doc() { return std::launder(reinterpret_cast<Document*>(storage)); }
  void destroy() {
    if (alive) doc()->~Document();
    alive = false;
  }
};

int document_gc(lua_State* L) {
  static_cast<DocumentBox*>(lua_touserdata(L, 1))->destroy();
  return 0;
}

// [-0, +1, m] A userdata holding an empty document.
DocumentBox* push_document_box(lua_State* L) {
  auto* box = static_cast<DocumentBox*>(lua_newuserdatauv(L, sizeof(DocumentBox), 0));
  box->alive = false;
  if (luaL_newmetatable(L, kDocumentMetatable)) {
    lua_pushcfunction(L, document_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  try {
    new (box->storage) Document();  // RapidJSON allocates its allocator with new
  } catch (const std::bad_alloc&) {
    box = nullptr;
  }
  if (box == nullptr) luaL_error(L, "not enough memory");
  box->alive = true;
  return box;
}

// Line and column (1-based, in bytes) of `offset` in the text.
void position_of(const char* text, std::size_t size, std::size_t offset, std::size_t& line, std::size_t& column) {
  if (offset > size) offset = size;
  line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  column = offset - line_start + 1;
}

// [-0, +0, v] Raises the error of a failed parse.
[[noreturn]] void raise_parse_error(lua_State* L, const ParseRun& run, const char* who, int max_depth) {
  std::size_t line = 0, column = 0;
  position_of(run.text, run.size, run.result.Offset(), line, column);
  if (run.too_deep) {
    luaL_error(L, "%s: JSON nesting too deep (limit: %d) at line %d column %d", who, max_depth,
               static_cast<int>(line), static_cast<int>(column));
  }
  if (run.stray_nul) {
    luaL_error(L, "%s: unexpected NUL byte at line %d column %d", who, static_cast<int>(line),
               static_cast<int>(column));
  }
  // RapidJSON's text, as a clause: "Invalid value." -> "invalid value".
  char what[128];
  std::snprintf(what, sizeof what, "%s", rapidjson::GetParseError_En(run.result.Code()));
  const std::size_t n = std::string_view(what).size();
  if (n > 0 && what[n - 1] == '.') what[n - 1] = '\0';
  what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  luaL_error(L, "%s: %s at line %d column %d", who, what, static_cast<int>(line), static_cast<int>(column));
  std::abort();  // luaL_error does not return
}

// [-0, +1, m] Pushes `v` as a Lua value; its depth was checked by the parse.
void push_value(lua_State* L, const rapidjson::Value& v, DecodeNull null_as) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      if (null_as == DecodeNull::nil) lua_pushnil(L);
      else push_null_sentinel(L);
      return;
    case rapidjson::kFalseType: lua_pushboolean(L, 0); return;
    case rapidjson::kTrueType: lua_pushboolean(L, 1); return;
    case rapidjson::kNumberType:
      if (v.IsInt64()) lua_pushinteger(L, static_cast<lua_Integer>(v.GetInt64()));
      else lua_pushnumber(L, static_cast<lua_Number>(v.GetDouble()));
      return;
    case rapidjson::kStringType: lua_pushlstring(L, v.GetString(), v.GetStringLength()); return;
    case rapidjson::kArrayType: {
      luaL_checkstack(L, 3, "JSON nesting");
      const SizeType n = v.Size();
      lua_createtable(L, static_cast<int>(n), 0);
      for (SizeType i = 0; i < n; ++i) {
        push_value(L, v[i], null_as);
        lua_rawseti(L, -2, static_cast<lua_Integer>(i) + 1);
      }
      return;
    }
    case rapidjson::kObjectType: {
      luaL_checkstack(L, 3, "JSON nesting");
      lua_createtable(L, 0, static_cast<int>(v.MemberCount()));
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
        lua_pushlstring(L, m->name.GetString(), m->name.GetStringLength());
        push_value(L, m->value, null_as);
        lua_rawset(L, -3);
      }
      return;
    }
  }
}

}  // namespace

void push_json_value(lua_State* L, const char* text, std::size_t size, DecodeNull null_as, const char* who,
                     const JsonLimits& limits) {
  if (size > limits.max_bytes) {
    luaL_error(L, "%s: input too large (%I bytes, limit: %I)", who, static_cast<lua_Integer>(size),
               static_cast<lua_Integer>(limits.max_bytes));
  }
  DocumentBox* box = push_document_box(L);
  ParseRun run{text, size, limits.max_depth};
  bool out_of_memory = false;
  try {
    box->doc()->Populate(run);
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
  }
  if (out_of_memory) {
    box->destroy();
    luaL_error(L, "not enough memory");
  }
  if (run.result.IsError()) {
    box->destroy();
    raise_parse_error(L, run, who, limits.max_depth);
  }
  push_value(L, *box->doc(), null_as);
  box->destroy();  // now, rather than at the next collection
  lua_remove(L, -2);
}

}  // namespace lua_batteries::data
