// The cancel token tree (spec section 2).
//
// A token is a flag that, once set, stays set. Tokens form a tree: a child
// holds a strong reference to its parent, a parent knows its children
// without owning them. Cancelling a token cancels its whole subtree in one
// pass, cost proportional to the subtree, and notifies every waiter
// registered on a newly cancelled token. No Lua here: waiters are plain
// callbacks that only mark work runnable.
#pragma once

#include <cstdint>

#include "core/intrusive_list.hpp"

namespace lua_batteries::detail {

class CancelToken;

/// Something suspended that must wake when its token is cancelled. It is
/// embedded in what waits; `wake` finds that from the waiter's address
/// (container_of).
struct CancelWaiter {
  using WakeFn = void (*)(CancelWaiter&);
  explicit CancelWaiter(WakeFn wake_fn) : wake(wake_fn) {}
  bool is_registered() const { return hook.is_linked(); }
  void unregister() { hook.unlink(); }

  ListHook hook;
  WakeFn wake;
};

class CancelToken {
 public:
  /// A new token with one reference; a child of `parent` (may be null).
  /// A child of a cancelled token starts cancelled.
  static CancelToken* create(CancelToken* parent);

  void retain() { ++refs_; }
  /// Drops a reference; frees the token (and, iteratively, ancestors that
  /// only it kept alive) when the last one goes.
  void release();

  bool is_cancelled() const { return cancelled_; }
  /// Cancels this token and every descendant; idempotent.
  void cancel();

  /// Registers a waiter (unregistering it from any previous token).
  void add_waiter(CancelWaiter& waiter) { waiters_.push_back(waiter); }

  CancelToken* parent() const { return parent_; }
  std::uint32_t ref_count() const { return refs_; }

  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  /// Number of tokens alive (for leak tests).
  static std::uint64_t live_count();

 private:
  explicit CancelToken(CancelToken* parent);
  ~CancelToken();
  void notify_waiters();

  CancelToken* parent_;
  CancelToken* first_child_ = nullptr;
  CancelToken* prev_sibling_ = nullptr;
  CancelToken* next_sibling_ = nullptr;
  IntrusiveList<CancelWaiter, &CancelWaiter::hook> waiters_;
  std::uint32_t refs_ = 1;
  bool cancelled_ = false;
};

/// Owning smart pointer for a CancelToken reference.
class TokenRef {
 public:
  TokenRef() = default;
  /// Adopts an existing reference (as returned by CancelToken::create).
  static TokenRef adopt(CancelToken* token) {
    TokenRef ref;
    ref.token_ = token;
    return ref;
  }
  /// Takes a new reference.
  static TokenRef share(CancelToken* token) {
    if (token) token->retain();
    return adopt(token);
  }
  TokenRef(TokenRef&& other) noexcept : token_(other.token_) { other.token_ = nullptr; }
  TokenRef& operator=(TokenRef&& other) noexcept {
    if (this != &other) {
      reset();
      token_ = other.token_;
      other.token_ = nullptr;
    }
    return *this;
  }
  TokenRef(const TokenRef&) = delete;
  TokenRef& operator=(const TokenRef&) = delete;
  ~TokenRef() { reset(); }

  void reset() {
    if (token_) token_->release();
    token_ = nullptr;
  }
  /// Gives up the reference without releasing it; returns the token.
  CancelToken* release() {
    CancelToken* token = token_;
    token_ = nullptr;
    return token;
  }
  CancelToken* get() const { return token_; }
  CancelToken* operator->() const { return token_; }
  explicit operator bool() const { return token_ != nullptr; }

 private:
  CancelToken* token_ = nullptr;
};

}  // namespace lua_batteries::detail
