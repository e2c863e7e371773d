// weft_micro: Google Benchmark micro-benchmarks of weft's fiber primitives (bench/run runs it).
//
//   BM_SpawnJoin            spawn an empty fiber and join it, one worker
//   BM_YieldPair            two fibers on one worker yield to each other; one iteration is
//                           a round: A yields to B, B yields back to A (2 switches)
//   BM_ChannelWake/1        ping-pong over two Channel<int>{1} between fibers on one worker;
//                           one iteration is a round trip: 2 wake-ups of a parked fiber
//   BM_ChannelWake/2        the same with the two fibers pinned to two different workers:
//                           each wake-up crosses threads (remote ready queue + worker wake)
//   BM_ContextJump          a raw Boost.Context fiber resumed and jumping back, for reference:
//                           one iteration is 2 context switches, as in BM_YieldPair
//
// Each benchmark builds its own Runtime outside the timed loop; the loop runs in a fiber.
#include <atomic>
#include <benchmark/benchmark.h>

#include <boost/context/fiber.hpp>

#include <weft/weft.hpp>

namespace {

weft::RuntimeOptions options(unsigned threads) {
    weft::RuntimeOptions o;
    o.threads = threads;
    return o;
}

void BM_SpawnJoin(benchmark::State& state) {
    weft::Runtime runtime{options(1)};
    runtime.run([&] {
        for (auto _ : state) {
            weft::spawn([] {}).join();
        }
    });
}
BENCHMARK(BM_SpawnJoin);

void BM_YieldPair(benchmark::State& state) {
    weft::Runtime runtime{options(1)};
    runtime.run([&] {
        bool stop = false;  // one worker: both fibers run on this thread
        weft::JoinHandle other = weft::spawn([&] {
            while (!stop) {
                weft::this_fiber::yield();
            }
        });
        for (auto _ : state) {
            weft::this_fiber::yield();
        }
        stop = true;
        other.join();
    });
}
BENCHMARK(BM_YieldPair);

void BM_ChannelWake(benchmark::State& state) {
    const auto workers = static_cast<unsigned>(state.range(0));
    weft::Runtime runtime{options(workers)};
    runtime.run([&] {
        weft::Channel<int> ping{1};
        weft::Channel<int> pong{1};
        weft::FiberOptions there{.name = "pong", .pinned = true, .worker = workers - 1};
        weft::JoinHandle replier = weft::spawn(
            [&] {
                for (;;) {
                    int v = ping.pop();
                    if (v < 0) {
                        return;
                    }
                    pong.push(v);
                }
            },
            there);
        weft::FiberOptions here{.name = "ping", .pinned = true, .worker = 0};
        weft::spawn(
            [&] {
                for (auto _ : state) {
                    ping.push(1);
                    benchmark::DoNotOptimize(pong.pop());
                }
                ping.push(-1);
            },
            here)
            .join();
        replier.join();
    });
}
BENCHMARK(BM_ChannelWake)->Arg(1)->Arg(2)->UseRealTime();

void BM_ContextJump(benchmark::State& state) {
    namespace ctx = boost::context;
    ctx::fiber f{[](ctx::fiber&& back) {
        for (;;) {
            back = std::move(back).resume();
        }
        return std::move(back);
    }};
    for (auto _ : state) {
        f = std::move(f).resume();
    }
    // f's destructor unwinds the suspended fiber (forced_unwind) and frees its stack.
}
BENCHMARK(BM_ContextJump);

}  // namespace

BENCHMARK_MAIN();
