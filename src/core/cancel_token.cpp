#include "core/cancel_token.hpp"

namespace lua_batteries::detail {
namespace {
std::uint64_t g_live_tokens = 0;  // one loop thread per runtime; leak tests only
}

std::uint64_t CancelToken::live_count() { return g_live_tokens; }

CancelToken* CancelToken::create(CancelToken* parent) { return new CancelToken(parent); }

CancelToken::CancelToken(CancelToken* parent) : parent_(parent) {
  ++g_live_tokens;
  if (!parent_) return;
  parent_->retain();
  next_sibling_ = parent_->first_child_;
  if (next_sibling_) next_sibling_->prev_sibling_ = this;
  parent_->first_child_ = this;
  cancelled_ = parent_->cancelled_;
}

CancelToken::~CancelToken() {
  --g_live_tokens;
  // Children keep their parent alive, so none can be left here.
  waiters_.clear();
}

void CancelToken::release() {
  // Iterative, so that freeing the innermost of 10 000 nested scopes does
  // not recurse through every ancestor.
  CancelToken* token = this;
  while (token && --token->refs_ == 0) {
    CancelToken* parent = token->parent_;
    if (parent) {
      if (token->prev_sibling_)
        token->prev_sibling_->next_sibling_ = token->next_sibling_;
      else
        parent->first_child_ = token->next_sibling_;
      if (token->next_sibling_) token->next_sibling_->prev_sibling_ = token->prev_sibling_;
    }
    delete token;
    token = parent;
  }
}

void CancelToken::notify_waiters() {
  // A wake callback unregisters its waiter; take each one off first so a
  // callback may touch the list safely.
  while (CancelWaiter* waiter = waiters_.pop_front()) waiter->wake(*waiter);
}

void CancelToken::cancel() {
  if (cancelled_) return;
  // Pre-order walk of the subtree without recursion or allocation. A
  // cancelled token's descendants are all cancelled already (invariant
  // kept by create), so such subtrees are skipped.
  CancelToken* node = this;
  for (;;) {
    bool descend = false;
    if (!node->cancelled_) {
      node->cancelled_ = true;
      node->notify_waiters();
      descend = node->first_child_ != nullptr;
    }
    if (descend) {
      node = node->first_child_;
      continue;
    }
    while (node != this && !node->next_sibling_) node = node->parent_;
    if (node == this) return;
    node = node->next_sibling_;
  }
}

}  // namespace lua_batteries::detail
