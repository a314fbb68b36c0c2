// A per-thread free list of fixed-size blocks, as an allocator for std::allocate_shared: the
// gateway creates one large Exchange per request, too large for malloc's per-thread cache, and
// recycling its block keeps that off the allocator's slow path. Thread-safe by construction:
// each thread recycles into its own list, whichever thread allocated a block; a list keeps at
// most kMaxFreeBlocks blocks and frees them when its thread ends.
#pragma once

#include <cstddef>
#include <new>

namespace gateway {

template <std::size_t Size, std::size_t Align>
class BlockFreeList {
 public:
  static constexpr std::size_t kMaxFreeBlocks = 1024;

  static void* take() {
    if (head_ != nullptr) {
      Node* n = head_;
      head_ = n->next;
      --count_;
      return n;
    }
    return ::operator new(kBlock, std::align_val_t{kAlign});
  }

  static void give(void* p) {
    if (closed_ || count_ >= kMaxFreeBlocks) {
      ::operator delete(p, std::align_val_t{kAlign});
      return;
    }
    // The reaper is armed whenever the list is started, so a thread that only ever receives
    // blocks (allocated elsewhere) still frees them when it ends.
    if (count_ == 0) reaper_.arm();
    Node* n = static_cast<Node*>(p);
    n->next = head_;
    head_ = n;
    ++count_;
  }

 private:
  struct Node {
    Node* next;
  };
  static constexpr std::size_t kAlign = Align < alignof(Node) ? alignof(Node) : Align;
  static constexpr std::size_t kBlock = Size < sizeof(Node) ? sizeof(Node) : Size;

  struct Reaper {
    void arm() {}
    ~Reaper() {
      closed_ = true;  // blocks given back after this (other thread_local destructors) are freed
      while (head_ != nullptr) {
        Node* n = head_;
        head_ = n->next;
        ::operator delete(n, std::align_val_t{kAlign});
      }
      count_ = 0;
    }
  };

  // Trivially destructible, so still readable while thread_local destructors run.
  static inline thread_local Node* head_ = nullptr;
  static inline thread_local std::size_t count_ = 0;
  static inline thread_local bool closed_ = false;
  static inline thread_local Reaper reaper_;
};

// Single-object allocations come from the free list; arrays go to the global allocator.
template <class T>
struct PooledAllocator {
  using value_type = T;

  PooledAllocator() = default;
  template <class U>
  PooledAllocator(const PooledAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n != 1) return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{alignof(T)}));
    return static_cast<T*>(BlockFreeList<sizeof(T), alignof(T)>::take());
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n != 1) {
      ::operator delete(p, std::align_val_t{alignof(T)});
      return;
    }
    BlockFreeList<sizeof(T), alignof(T)>::give(p);
  }
  template <class U>
  bool operator==(const PooledAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace gateway
