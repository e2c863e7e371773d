// wake_latency [--threads 1|2|...] [--backend epoll|io_uring|auto] [--rounds R]
//
// Yield/wake latency of the scheduler, no sockets involved:
// - round trip: fiber "ping" (pinned to worker 0) pushes into a Channel<>{1} and pops the
//   reply from another; fiber "pong" (pinned to worker 1, or to worker 0 with one worker)
//   pops and replies. With two workers every hop wakes a fiber parked on the other worker
//   (remote ready queue + eventfd wake of a worker blocked in its backend). Each round trip
//   is timed with steady_clock: median, p99, p99.9.
// - yield: one fiber alone on worker 0 calling this_fiber::yield(), and two fibers on worker
//   0 yielding to each other (each yield is one switch to the other fiber): ns per yield, in
//   7 batches of R yields each; the median batch and the best one are printed (the best is
//   the cost with the least interference from other processes on a shared machine).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <weft/weft.hpp>

#include "latency_histogram.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct Options {
    weft::RuntimeOptions runtime;
    long rounds = 200'000;
};

Options parse(int argc, char* argv[]) {
    Options o;
    o.runtime.threads = 1;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (i + 1 >= argc) {
            throw std::invalid_argument(std::string{a} + " needs a value (see the file's top)");
        }
        std::string v = argv[++i];
        if (a == "--threads") {
            o.runtime.threads = static_cast<unsigned>(std::stoul(v));
        } else if (a == "--backend") {
            o.runtime.backend = weft::parse_backend_kind(v);
        } else if (a == "--rounds") {
            o.rounds = std::stol(v);
        } else {
            throw std::invalid_argument("unknown flag " + std::string{a});
        }
    }
    if (o.runtime.threads < 1 || o.runtime.threads > 1024 || o.rounds < 1 ||
        o.rounds > 100'000'000) {
        throw std::invalid_argument("--threads must be 1..1024 and --rounds 1..10^8");
    }
    return o;
}

std::uint64_t ns_since(clock_type::time_point t0) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count());
}

// Channel ping-pong between worker 0 and `pong_worker`; warm-up rounds are not recorded.
bench::LatencyHistogram round_trips(long rounds, unsigned pong_worker) {
    const long warmup = rounds / 10 + 1;
    weft::Channel<long> ping{1};
    weft::Channel<long> pong{1};
    auto echo = weft::spawn(
        [&] {
            for (long i = 0; i < warmup + rounds; ++i) {
                pong.push(ping.pop());
            }
        },
        {.name = "pong", .pinned = true, .worker = pong_worker});
    bench::LatencyHistogram hist;
    auto drive = weft::spawn(
        [&] {
            for (long i = 0; i < warmup + rounds; ++i) {
                const auto t0 = clock_type::now();
                ping.push(i);
                if (pong.pop() != i) {
                    throw std::logic_error("reply out of order");
                }
                if (i >= warmup) {
                    hist.record(ns_since(t0));
                }
            }
        },
        {.name = "ping", .pinned = true, .worker = 0});
    drive.join();
    echo.join();
    return hist;
}

// ns per this_fiber::yield() of `fibers` fibers pinned to worker 0, `rounds` yields each.
double yield_batch_ns(long rounds, int fibers) {
    const auto t0 = clock_type::now();
    weft::WaitGroup done{fibers};
    for (int f = 0; f < fibers; ++f) {
        weft::spawn(
            [&] {
                for (long i = 0; i < rounds; ++i) {
                    weft::this_fiber::yield();
                }
                done.done();
            },
            {.name = "yield", .pinned = true, .worker = 0})
            .detach();
    }
    done.wait();
    return static_cast<double>(ns_since(t0)) / static_cast<double>(rounds * fibers);
}

struct YieldCost {
    double median;
    double best;
};

YieldCost yield_ns(long rounds, int fibers) {
    std::array<double, 7> batches{};
    for (double& b : batches) {
        b = yield_batch_ns(rounds, fibers);
    }
    std::sort(batches.begin(), batches.end());
    return {batches[batches.size() / 2], batches.front()};
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        Options opt = parse(argc, argv);
        weft::Runtime runtime{opt.runtime};
        runtime.run([&] {
            const unsigned pong_worker = runtime.threads() > 1 ? 1 : 0;
            bench::LatencyHistogram rt = round_trips(opt.rounds, pong_worker);
            const YieldCost alone = yield_ns(opt.rounds, 1);
            const YieldCost pair = yield_ns(opt.rounds, 2);
            std::printf(
                "wake_latency: %s, %u worker(s), ping on worker 0, pong on worker %u, %ld "
                "rounds\n"
                "  round trip (2 channel hops): median %.2f us  p99 %.2f us  p99.9 %.2f us  "
                "max %.1f us\n"
                "  yield on worker 0, ns/yield (median of 7 batches, best): alone %.0f, %.0f;"
                "  two fibers switching %.0f, %.0f\n",
                std::string{weft::to_string(runtime.backend())}.c_str(), runtime.threads(),
                pong_worker, opt.rounds, static_cast<double>(rt.percentile(0.5)) / 1e3,
                static_cast<double>(rt.percentile(0.99)) / 1e3,
                static_cast<double>(rt.percentile(0.999)) / 1e3,
                static_cast<double>(rt.max()) / 1e3, alone.median, alone.best, pair.median,
                pair.best);
        });
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wake_latency: %s\n", e.what());
        return 1;
    }
}
