// lua-batteries: policies for scripts the host does not trust (spec
// std-io.md section 7). Config::policy says which std.* modules exist and
// what the I/O modules may touch: paths (PathPolicy, with the built-in
// Sandbox of root directories enforced by the kernel), the network
// (NetPolicy) and processes (ProcessPolicy).
//
// A null policy pointer allows everything of its kind, as without a
// policy. A denied operation raises an error object of kind "denied",
// code "EACCES", whose message is
//
//   std.fs.read: access to '/etc/passwd' denied by policy
//
// and nothing of the operation happens: no file created, no connection
// opened, no process started.
//
// Threading: the runtime calls the policies on the loop thread, and the
// Sandbox also from libuv's threadpool (std.fs does its I/O there), so a
// policy must not change after it is handed to register_with; the runtime
// keeps a reference (shared_ptr) for as long as an operation may use it,
// which can be after lua_close.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lua_batteries {

// ---------------------------------------------------------------------------
// Paths

/// What an operation does to a path.
enum class PathAccess {
  read,    ///< read a file, stat it, test that it exists
  write,   ///< create, write, append, truncate, make a directory, rename onto
  remove,  ///< remove a file or directory, rename away
  list,    ///< list a directory
};

/// "read", "write", "remove" or "list".
const char* path_access_name(PathAccess access);

class Sandbox;

/// Decides, per path, what a script may do there. Governs std.fs, the
/// paths of Unix sockets (std.net: connect = read, listen = write), a
/// process's cwd (read) and SQLite database paths (std.sql.open and
/// --db: write).
///
/// A policy that only answers allows() is consulted with the path as the
/// script gave it, before the operation, and the operation then uses that
/// path: a string check, open to a symlink swapped in between. The
/// built-in Sandbox (as_sandbox() non-null) is enforced by the kernel
/// instead: std.fs then does its I/O relative to the sandbox's root
/// descriptors.
class PathPolicy {
 public:
  virtual ~PathPolicy() = default;
  /// Whether `access` to `path` (absolute, or relative to the process's
  /// working directory) is allowed.
  virtual bool allows(std::string_view path, PathAccess access) const = 0;
  /// This policy as a Sandbox, or null.
  virtual const Sandbox* as_sandbox() const { return nullptr; }
};

/// The built-in path policy: a list of root directories, each read-only or
/// read-write; a path is allowed if it lies beneath a root that grants the
/// access (read and list: any root; write and remove: a read-write root).
///
/// Each root is held as an O_PATH descriptor opened at construction, and
/// every operation resolves its path from the descriptor with
/// openat2(..., RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): `..`, absolute
/// symlinks, symlinks pointing out of the root and /proc magic links
/// cannot leave it, whatever the path looks like and whatever changes on
/// disk between a check and the operation (Linux 5.6 or later). The root
/// a path belongs to is picked from the path's text (the longest root that
/// is a leading run of its components); the kernel then decides whether
/// the rest stays beneath it. A root is matched under the name it was
/// given and under its real path.
///
/// Not covered: a hard link inside a root to a file outside it is that
/// file (a hard link is the file, not a pointer to it); a root holding
/// one grants access to the file. Make roots on trees the script's
/// owner controls.
class Sandbox final : public PathPolicy {
 public:
  enum class Mode { read_only, read_write };
  struct Root {
    std::string path;
    Mode mode = Mode::read_only;
  };
  /// A root as resolved: its descriptor and the names it matches.
  struct OpenRoot {
    int fd = -1;               ///< O_PATH | O_DIRECTORY
    std::string path;          ///< as given (made absolute from the working directory), without trailing slashes
    std::string real_path;     ///< realpath() of it
    Mode mode = Mode::read_only;
  };
  /// Where a path lies: a root's descriptor and the path relative to it
  /// ("." for the root itself).
  struct Location {
    int dir_fd = -1;
    std::string relative;
  };

  /// No roots: no path is allowed.
  Sandbox() = default;
  /// Opens each root. Throws std::system_error when a root cannot be
  /// opened as a directory, or when the kernel has no openat2 (ENOSYS).
  explicit Sandbox(const std::vector<Root>& roots);
  ~Sandbox() override;
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  /// Whether the path lies (by its text) beneath a root granting
  /// `access`. The kernel's verdict comes with the operation itself.
  bool allows(std::string_view path, PathAccess access) const override;
  const Sandbox* as_sandbox() const override { return this; }

  /// The root `path` falls under for `access` and the rest of the path;
  /// nullopt when none does. Reads the working directory for a relative
  /// path. Throws std::bad_alloc.
  std::optional<Location> locate(std::string_view path, PathAccess access) const;
  /// openat2(location.dir_fd, location.relative, flags | O_CLOEXEC, mode)
  /// with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS. Returns the descriptor,
  /// or -errno; -EXDEV (and -ELOOP for a magic link) when the path would
  /// leave the root. Safe from any thread.
  static int open_beneath(const Location& location, int flags, mode_t mode = 0);
  /// Whether an errno of open_beneath means "the path left its root".
  static bool is_escape(int error);

  const std::vector<OpenRoot>& roots() const { return roots_; }

 private:
  std::vector<OpenRoot> roots_;
};

// ---------------------------------------------------------------------------
// Network

/// A host or address with an optional port, as --allow-net and
/// --allow-listen take them: "example.com", "example.com:443",
/// "127.0.0.1:8080", "[::1]:8080", "::1".
struct NetEndpoint {
  std::string host;               ///< a name (lowercase) or an address literal
  std::optional<std::uint16_t> port;  ///< none: every port

  /// Parses the forms above; nullopt for an empty host, a bad port or an
  /// unbracketed IPv6 address with a port.
  static std::optional<NetEndpoint> parse(std::string_view text);
};

/// Where a script may connect (std.net TCP connect, std.http requests and
/// every redirect hop) and where it may listen (std.net TCP listen). Each
/// is checked twice: on the name the script gave, before any lookup, and
/// on every address the name resolved to, before connecting to or binding
/// it, so that a name cannot lead to an address the policy did not grant.
/// Unix socket paths are the PathPolicy's.
class NetPolicy {
 public:
  virtual ~NetPolicy() = default;
  /// The name check: may the script connect to `host` (a name or an
  /// address literal, as given) on `port`?
  virtual bool allows_connect(std::string_view host, std::uint16_t port) const = 0;
  /// The address check, for each address `host` resolved to.
  virtual bool allows_connect_address(std::string_view host, const sockaddr& address) const = 0;
  /// The name check of a listen address ("127.0.0.1", "::", a name).
  virtual bool allows_listen(std::string_view host, std::uint16_t port) const = 0;
  /// The address check of a listen address, for each address it resolved to.
  virtual bool allows_listen_address(std::string_view host, const sockaddr& address) const = 0;
};

/// The built-in NetPolicy: lists of endpoints, as the runner's flags give
/// them. A name check passes when an entry's host equals the host
/// (names compared without case, address literals by value) and its port
/// is absent or equal. An address check passes when an entry is that
/// address literal (and port); or when the name passed on a name entry and
/// the address is a public one: a name entry does not reach loopback,
/// private, link-local, unspecified or multicast addresses (an entry
/// "localhost" reaches loopback), so that a name which resolves to an
/// internal address is denied.
class NetAllowList final : public NetPolicy {
 public:
  std::vector<NetEndpoint> connect;
  std::vector<NetEndpoint> listen;

  bool allows_connect(std::string_view host, std::uint16_t port) const override;
  bool allows_connect_address(std::string_view host, const sockaddr& address) const override;
  bool allows_listen(std::string_view host, std::uint16_t port) const override;
  bool allows_listen_address(std::string_view host, const sockaddr& address) const override;
};

// ---------------------------------------------------------------------------
// Processes and the environment

/// What std.process may start and what of the environment a script sees.
///
/// Programs are checked by absolute path: std.process resolves a program
/// name through PATH first, and the policy compares real paths
/// (canonical_program). A string command runs `/bin/sh -c`, so /bin/sh
/// must itself be allowed (and then the shell may run anything).
///
/// The environment: a child gets the host's variables whose names
/// allows_env() accepts, plus what the script passes in opts.env; the
/// script reads a variable (os.getenv under the runner's --sandbox) only
/// if allows_env() accepts its name.
class ProcessPolicy {
 public:
  virtual ~ProcessPolicy() = default;
  /// May the program at `absolute_path` be started?
  virtual bool allows_program(std::string_view absolute_path) const = 0;
  /// May the script (and a child) see environment variable `name`?
  virtual bool allows_env(std::string_view name) const = 0;
};

/// The built-in ProcessPolicy: lists of programs and variable names.
class ProcessAllowList final : public ProcessPolicy {
 public:
  /// Real paths (canonical_program) of the programs allowed.
  std::vector<std::string> programs;
  /// Names of the variables allowed.
  std::set<std::string, std::less<>> env_names;

  bool allows_program(std::string_view absolute_path) const override;
  bool allows_env(std::string_view name) const override;
};

/// The real path of a program: `name` itself when it holds a '/', else
/// the first regular, executable file of that name on $PATH, looked up as
/// execvp does (PATH unset: confstr(_CS_PATH), "/bin:/usr/bin"; an empty
/// entry: the current directory; a directory or a non-executable file of
/// that name passed over); then realpath(). A relative path, or a relative
/// $PATH entry, is taken from `from_dir` when it is not empty (the working
/// directory the program will start in). nullopt if there is none. For
/// building and checking ProcessAllowList::programs.
std::optional<std::string> canonical_program(std::string_view name, std::string_view from_dir = {});

// ---------------------------------------------------------------------------
// The whole policy

/// What Config::policy holds. The default allows everything.
struct Policy {
  /// Names of the std.* modules to install besides std.task, std.time and
  /// std.log (which are the runtime): "process", "net", "fs", "io",
  /// "json", "sql", "kv", "http". nullopt: all of them. register_with
  /// throws std::invalid_argument on a name it does not know.
  std::optional<std::set<std::string, std::less<>>> modules;
  std::shared_ptr<const PathPolicy> paths;
  std::shared_ptr<const NetPolicy> net;
  std::shared_ptr<const ProcessPolicy> process;

  /// Whether module `name` is to be installed.
  bool installs(std::string_view name) const { return !modules || modules->count(name) != 0; }
};

}  // namespace lua_batteries
