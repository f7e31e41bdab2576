// format_log_record: how the runner writes a std.log record.
#include <cstdio>
#include <string>

#include "lua_batteries/observer.hpp"

namespace lua_batteries {

std::string format_log_record(const LogRecord& record) {
  char time[48];
  std::snprintf(time, sizeof time, "[%6.1f ms ", record.time_ms);
  std::string text = time;
  if (record.task) {
    text += 't';
    text += std::to_string(record.task->number);
    if (record.task->has_name) {
      text += ' ';
      text.append(record.task->name);
    }
  } else {
    text += "main";
  }
  text += "] ";
  text += log_level_name(record.level);
  text += ": ";
  text.append(record.message);
  return text;
}

}  // namespace lua_batteries
