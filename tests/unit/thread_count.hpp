// How many threads this process has now (/proc/self/task), for tests that
// check a thread is started and joined; -1 if the directory is unreadable.
#pragma once

#include <dirent.h>

inline int thread_count() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  closedir(dir);
  return count;
}
