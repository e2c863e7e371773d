#pragma once

// What the std::thread tests of tests/threads share: a plain node for the runtime's ready
// queue (BasicReadyQueue, runtime/src/ready_queue.hpp) and a start line for threads.
#include <atomic>
#include <cstddef>
#include <latch>

#include <boost/intrusive/list.hpp>

#include "ready_queue.hpp"

namespace weft::test {

/// A unit of queued work. `taken` counts how often it came out of a queue (must end at 1).
struct Item {
    boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>
        hook;
    int id = 0;
    bool pinned = false;
    std::atomic<int> taken{0};
};

struct ItemTraits {
    using Node = Item;
    using List = boost::intrusive::list<
        Item, boost::intrusive::member_hook<Item, decltype(Item::hook), &Item::hook>,
        boost::intrusive::constant_time_size<false>>;
    static void link(Node* n, List& list) noexcept { list.push_back(*n); }
    static void unlink(Node* n) noexcept { n->hook.unlink(); }
    static bool is_linked(const Node* n) noexcept { return n->hook.is_linked(); }
    static bool stealable(Node* n) noexcept { return !n->pinned; }
};

using ItemQueue = detail::BasicReadyQueue<ItemTraits>;

}  // namespace weft::test
