// The ready queue's hand-off between its owner (push, pop) and thieves (steal), driven by
// plain std::threads so that TSan can follow it: every item comes out exactly once, pinned
// items never leave their owner, the owner sees its items in FIFO order, and the counters
// the idle handshake reads (stealable, size) end consistent.
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/watchdog.hpp"
#include "threads/thread_support.hpp"

using weft::test::Item;
using weft::test::ItemQueue;

TEST_CASE("ReadyQueue: FIFO pop, steal takes the newest stealable, pinned stay", "[threads]") {
    ItemQueue q;
    std::vector<Item> items(5);
    for (int i = 0; i < 5; ++i) {
        items[i].id = i;
        items[i].pinned = (i == 4 || i == 1);
        q.push(&items[i]);
    }
    CHECK(q.size() == 5);
    CHECK(q.stealable() == 3);
    CHECK(q.steal()->id == 3);  // 4 is newer but pinned
    CHECK(q.remove(&items[2]));
    CHECK_FALSE(q.remove(&items[2]));  // not queued any more
    CHECK(q.stealable() == 1);
    CHECK(q.steal()->id == 0);
    CHECK(q.steal() == nullptr);  // only pinned items left
    CHECK(q.stealable() == 0);
    CHECK(q.pop()->id == 1);
    CHECK(q.pop()->id == 4);
    CHECK(q.pop() == nullptr);
    CHECK(q.empty());
}

TEST_CASE("ReadyQueue: owner and thieves take every item exactly once", "[threads]") {
    constexpr int n = 200'000;
    constexpr int thieves = 3;
    ItemQueue q;
    std::vector<Item> items(n);  // not make_unique<T[]>: GCC 12 -Wfree-nonheap-object under TSan
    std::atomic<long> taken_total{0};
    std::atomic<int> pinned_stolen{0};
    std::atomic<int> owner_out_of_order{0};
    weft::test::Watchdog watchdog{"ready queue push/pop/steal", std::chrono::seconds(60),
                                  &taken_total};

    std::vector<std::thread> threads;
    for (int t = 0; t < thieves; ++t) {
        threads.emplace_back([&] {
            while (taken_total.load() < n) {
                if (Item* it = q.steal()) {
                    if (it->pinned) {
                        pinned_stolen.fetch_add(1);
                    }
                    it->taken.fetch_add(1);
                    taken_total.fetch_add(1);
                } else {
                    std::this_thread::yield();  // not synchronization: lets the owner push
                }
            }
        });
    }
    // The owner: pushes in id order, popping now and then, then drains what is left.
    int last_popped = -1;
    auto owner_take = [&](Item* it) {
        if (it->id <= last_popped) {
            owner_out_of_order.fetch_add(1);
        }
        last_popped = it->id;
        it->taken.fetch_add(1);
        taken_total.fetch_add(1);
    };
    for (int i = 0; i < n; ++i) {
        items[i].id = i;
        items[i].pinned = i % 7 == 0;
        q.push(&items[i]);
        if (i % 3 == 0) {
            if (Item* it = q.pop()) {
                owner_take(it);
            }
        }
    }
    while (taken_total.load() < n) {
        if (Item* it = q.pop()) {
            owner_take(it);
        } else {
            std::this_thread::yield();  // the thieves hold the last items
        }
    }
    for (auto& t : threads) {
        t.join();
    }

    CHECK(taken_total.load() == n);
    CHECK(pinned_stolen.load() == 0);
    CHECK(owner_out_of_order.load() == 0);
    int wrong = 0;
    for (int i = 0; i < n; ++i) {
        wrong += items[i].taken.load() != 1 ? 1 : 0;
    }
    CHECK(wrong == 0);
    CHECK(q.empty());
    CHECK(q.stealable() == 0);
}
