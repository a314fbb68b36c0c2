// A doubly linked list threaded through its elements (no allocation per element), for the
// objects a per-thread owner must be able to reach when it goes away first: the Gateway's live
// exchanges, the UpstreamCaller's started calls. Elements carry a ListHook member; the list
// does not own them. One thread; not thread-safe.
#pragma once

namespace gateway {

template <class T>
struct ListHook {
  T* prev = nullptr;
  T* next = nullptr;
};

template <class T, ListHook<T> T::*Hook>
class IntrusiveList {
 public:
  void pushFront(T* item) {
    ListHook<T>& h = item->*Hook;
    h.prev = nullptr;
    h.next = head_;
    if (head_) (head_->*Hook).prev = item;
    head_ = item;
  }
  void remove(T* item) {
    ListHook<T>& h = item->*Hook;
    if (h.prev) (h.prev->*Hook).next = h.next;
    else if (head_ == item) head_ = h.next;
    if (h.next) (h.next->*Hook).prev = h.prev;
    h.prev = h.next = nullptr;
  }
  T* front() const { return head_; }
  bool empty() const { return head_ == nullptr; }

 private:
  T* head_ = nullptr;
};

}  // namespace gateway
