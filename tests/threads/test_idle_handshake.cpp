// The idle handshake (runtime/src/idle_set.hpp) with the runtime's own pieces around it: a
// ready queue per worker (BasicReadyQueue) and an eventfd wake-up per worker (WakeupFd),
// driven by plain std::threads so that TSan can follow it. The property: a thread that
// publishes work and then wakes an idle worker never leaves that work unseen while every
// other worker sleeps. A lost wake-up would leave an item queued and every consumer blocked
// in poll() for good: the watchdog turns that hang into a failure.
#include <atomic>
#include <cstddef>
#include <memory>
#include <poll.h>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "backend/wakeup_fd.hpp"
#include "idle_set.hpp"
#include "support/watchdog.hpp"
#include "threads/thread_support.hpp"

using weft::detail::IdleSet;
using weft::detail::WakeupFd;
using weft::test::Item;
using weft::test::ItemQueue;

TEST_CASE("IdleSet: enter backs off when work is elsewhere, a sleeper is claimed once",
          "[threads]") {
    IdleSet idle{3};
    CHECK_FALSE(idle.any());
    CHECK_FALSE(idle.enter(1, [] { return true; }));  // work elsewhere: must not block
    CHECK_FALSE(idle.is_idle(1));
    CHECK_FALSE(idle.any());

    CHECK(idle.enter(1, [] { return false; }));
    CHECK(idle.enter(2, [] { return false; }));
    CHECK(idle.any());
    CHECK(idle.claim_one(0) == 1);  // looks from from + 1 on
    CHECK(idle.claim_one(0) == 2);
    CHECK(idle.claim_one(0) == IdleSet::none);  // one wake per sleeper, never two
    CHECK_FALSE(idle.any());
    idle.leave(1);  // the claimed sleeper wakes and leaves: no double count
    CHECK_FALSE(idle.any());

    CHECK(idle.enter(0, [] { return false; }));
    CHECK(idle.claim_one(0) == IdleSet::none);  // a worker does not wake itself
    idle.leave(0);
    CHECK_FALSE(idle.any());
}

TEST_CASE("IdleSet: racing wakers claim each sleeper exactly once", "[threads]") {
    constexpr std::size_t sleepers = 64;
    constexpr int rounds = 2000;
    constexpr int wakers = 3;
    for (int round = 0; round < rounds; ++round) {
        IdleSet idle{sleepers + 1};  // index 0 never sleeps: claim_one(0) may pick any other
        for (std::size_t w = 1; w <= sleepers; ++w) {
            REQUIRE(idle.enter(w, [] { return false; }));
        }
        std::vector<std::atomic<int>> claims(sleepers + 1);
        std::vector<std::thread> threads;
        for (int t = 0; t < wakers; ++t) {
            threads.emplace_back([&] {
                for (std::size_t w; (w = idle.claim_one(0)) != IdleSet::none;) {
                    claims[w].fetch_add(1);
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        int wrong = 0;
        for (std::size_t w = 1; w <= sleepers; ++w) {
            wrong += claims[w].load() != 1 ? 1 : 0;
        }
        REQUIRE(wrong == 0);
        REQUIRE(claims[0].load() == 0);
        REQUIRE_FALSE(idle.any());
    }
}

namespace {

// A few hundred nanoseconds of varying busy work: shifts the threads' timing against each
// other (it never waits for anything).
void jitter(std::size_t seed) {
    thread_local unsigned x = 12345u + static_cast<unsigned>(seed);
    x = x * 1103515245u + 12345u;
    std::atomic<unsigned> sink{0};
    for (unsigned k = (x >> 16) % 512; k > 0; --k) {
        sink.fetch_add(1, std::memory_order_relaxed);
    }
}

// Waits until `v` >= `target`, spinning (yielding the CPU now and then).
void wait_for(const std::atomic<long>& v, long target) {
    for (int spins = 0; v.load() < target; ++spins) {
        if (spins % 64 == 63) {
            std::this_thread::yield();
        }
    }
}

// A model of a Runtime's workers, built of the runtime's own pieces: worker 0 produces as
// PollingAlgorithm::awakened + RuntimeImpl::wake_idle_worker do (queue, then wake one idle
// worker); workers 1..N-1 only steal, and go idle as PollingAlgorithm::suspend_until does
// (announce, look once more, block in the wake-up fd).
class Model {
public:
    Model(std::size_t workers, int items)
        : idle_{workers}, n_(items), items_(static_cast<std::size_t>(items)) {
        for (std::size_t i = 0; i < workers; ++i) {
            w_.push_back(std::make_unique<Worker>());
        }
    }

    /// A consumer's loop. `before_announce()` runs after each steal that found nothing.
    template <class Hook>
    void consume(std::size_t self, Hook&& before_announce) {
        for (;;) {
            if (Item* it = steal(self)) {
                it->taken.fetch_add(1);
                consumed.fetch_add(1);
                continue;
            }
            if (done_.load()) {
                return;
            }
            before_announce();
            if (!idle_.enter(self, [&] { return work_elsewhere(self); })) {
                continue;
            }
            w_[self]->blocked.fetch_add(1);
            pollfd p{w_[self]->wakeup.fd(), POLLIN, 0};
            while (::poll(&p, 1, -1) != 1) {
            }
            w_[self]->wakeup.consume();
            idle_.leave(self);
        }
    }

    /// The producer: queues item i on worker 0, then wakes one idle worker if any.
    void publish(int i) {
        items_[i].id = i;
        w_[0]->queue.push(&items_[i]);
        if (idle_.any()) {
            const std::size_t target = idle_.claim_one(0);
            if (target != IdleSet::none) {
                w_[target]->wakeup.wake();
                ++wakes;
            }
        }
    }

    /// Stops the consumers (each is woken once more, and leaves).
    void finish() {
        done_.store(true);
        for (std::size_t i = 1; i < w_.size(); ++i) {
            w_[i]->wakeup.wake();
        }
    }

    /// Every item taken exactly once, nothing left queued, nobody left marked idle.
    void check_items() const {
        CHECK(consumed.load() == n_);
        int wrong = 0;
        for (int i = 0; i < n_; ++i) {
            wrong += items_[i].taken.load() != 1 ? 1 : 0;
        }
        CHECK(wrong == 0);
        for (std::size_t i = 0; i < w_.size(); ++i) {
            CHECK(w_[i]->queue.empty());
            CHECK_FALSE(idle_.is_idle(i));
        }
    }
    /// How often consumers blocked in their wake-up fd.
    long blocked() const {
        long sum = 0;
        for (const auto& w : w_) {
            sum += w->blocked.load();
        }
        return sum;
    }

    std::atomic<long> consumed{0};
    long wakes = 0;  // producer thread only

private:
    struct Worker {
        ItemQueue queue;
        WakeupFd wakeup;
        std::atomic<long> blocked{0};
    };

    // As RuntimeImpl::enter_idle: is there stealable work on another worker?
    bool work_elsewhere(std::size_t self) const {
        for (std::size_t i = 0; i < w_.size(); ++i) {
            if (i != self && w_[i]->queue.stealable() != 0) {
                return true;
            }
        }
        return false;
    }

    Item* steal(std::size_t self) {
        for (std::size_t k = 1; k < w_.size(); ++k) {
            if (Item* it = w_[(self + k) % w_.size()]->queue.steal()) {
                return it;
            }
        }
        return nullptr;
    }

    std::vector<std::unique_ptr<Worker>> w_;
    IdleSet idle_;
    const int n_;
    std::vector<Item> items_;  // not unique_ptr<T[]>: GCC 12 misfires under TSan
    std::atomic<bool> done_{false};
};

}  // namespace

TEST_CASE("idle handshake: a push just before the sleeper announces itself is seen", "[threads]") {
    // Lockstep, one consumer: in each round the consumer finds the queue empty, then waits
    // until the producer has queued the next item and looked for idle workers (finding
    // none), and only then announces itself. The look-once-more after the announcement
    // must find the item: a sleeper that skipped it would block for good at round 0.
    constexpr int n = 2000;
    Model m{2, n};
    std::atomic<long> published{0};
    weft::test::Watchdog watchdog{"idle handshake, lockstep (a lost wake-up hangs here)",
                                  std::chrono::seconds(60), &m.consumed};
    std::thread consumer([&] {
        m.consume(1, [&] {
            // Item `consumed` is the next one: wait until it is queued (n: the end).
            wait_for(published, std::min<long>(m.consumed.load() + 1, n));
        });
    });
    for (int i = 0; i < n; ++i) {
        m.publish(i);
        published.store(i + 1);
        wait_for(m.consumed, i + 1);
    }
    m.finish();
    consumer.join();
    m.check_items();
    // The consumer was never idle when the producer looked, so it was never woken; it
    // blocked once, at the end (woken by finish()).
    CHECK(m.wakes == 0);
    CHECK(m.blocked() == 1);
}

TEST_CASE("idle handshake: work published before a wake is always seen", "[threads]") {
    // Free-running: the producer queues one item at a time and waits until it is taken, so
    // every item meets consumers on their way to sleep or asleep. A lost wake-up leaves the
    // item queued and every consumer blocked: the watchdog turns that hang into a failure.
    const std::size_t workers = GENERATE(2u, 4u);
    const int n = workers == 2 ? 50'000 : 20'000;
    Model m{workers, n};
    weft::test::Watchdog watchdog{"idle handshake (a lost wake-up hangs here)",
                                  std::chrono::seconds(60), &m.consumed};
    std::vector<std::thread> consumers;
    for (std::size_t self = 1; self < workers; ++self) {
        consumers.emplace_back([&m, self] { m.consume(self, [self] { jitter(self); }); });
    }
    for (int i = 0; i < n; ++i) {
        jitter(0);
        m.publish(i);
        wait_for(m.consumed, i + 1);
    }
    m.finish();
    for (auto& t : consumers) {
        t.join();
    }
    m.check_items();
    CHECK(m.blocked() > 0);  // the consumers did sleep: the handshake was exercised
    CHECK(m.wakes > 0);
}
