/* Runs a command and reports its peak RSS, like `/usr/bin/time -f %M`.
 *
 *   bench_peak_rss COMMAND [ARGS...]
 *
 * Prints "PEAK_RSS_KIB=<n>" on stderr when COMMAND ends and exits with its
 * status. Why not os.wait4 in the harness: on exec, Linux folds the
 * pre-exec memory into the new program's ru_maxrss, so a child forked from
 * a Python process reports at least the Python process's RSS. Forked from
 * this small program instead, the child's figure is its own. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: bench_peak_rss COMMAND [ARGS...]\n", stderr);
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("bench_peak_rss: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror("bench_peak_rss: exec");
    _exit(127);
  }
  int status;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) < 0) {
    perror("bench_peak_rss: wait4");
    return 2;
  }
  fprintf(stderr, "PEAK_RSS_KIB=%ld\n", usage.ru_maxrss);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
