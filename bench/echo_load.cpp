// echo_load [ADDRESS] [--connections N] [--size S] [--pipeline K] [--duration D] [--warmup W]
//           [--backend epoll|io_uring|auto]
//
// Load generator for echo servers, written with weft itself: one fiber per connection on a
// one-worker Runtime. Each connection keeps K messages of S bytes in flight (K = 1 is
// ping-pong), verifies every echoed byte against its own deterministic pattern, and stops
// sending at the end of the run, then drains what is still in flight.
//
// Timeline: all connections connect (each within connect_timeout); traffic starts at once;
// round trips completed during the W seconds of warm-up are not counted; the D seconds after
// that are measured. Every read and write has a deadline (the end of the run plus a grace
// period), so a stuck server ends the run with an error instead of hanging it.
//
// Message m of connection c is pattern[off .. off + S) with off = (c * 97 + m * 13) % 4096:
// consecutive messages differ and connections differ, so lost, repeated, reordered or
// cross-connection bytes are all caught. The loop allocates nothing: buffers, timestamps
// and the histogram are sized before the first message.
//
// Output: one human line and one "RESULT key=value ..." line on stdout. Exit status: 0 on
// success, 1 if any byte or connection failed during the run, 2 for setup errors (usage,
// connect failure, out of file descriptors).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <system_error>
#include <vector>

#include <weft/weft.hpp>

#include "echo_load_options.hpp"
#include "latency_histogram.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using weft::net::ConstBuffer;
using weft::net::TcpStream;
using namespace std::chrono_literals;

constexpr std::size_t pattern_window = 4096;   // distinct message start offsets
constexpr std::size_t max_read_chunk = 16384;  // per-connection receive buffer cap
constexpr auto connect_timeout = 10s;
constexpr auto grace = 10s;  // after the end of the run, for draining in-flight messages

// State shared by every connection fiber. The Runtime has one worker, so all fibers run on
// one thread and plain fields suffice.
struct Shared {
    explicit Shared(const bench::LoadOptions& options) : opt(options) {}

    const bench::LoadOptions& opt;
    std::string backend;  // of this process's Runtime, for the log
    std::vector<std::byte> pattern;
    Clock::time_point measure_begin = Clock::time_point::max();
    Clock::time_point measure_end = Clock::time_point::max();
    Clock::time_point hard_stop;
    std::size_t connected = 0;
    std::size_t failed = 0;
    bool stop = false;
    std::uint64_t round_trips = 0;
    std::uint64_t errors = 0;
    std::string first_error;
    bench::LatencyHistogram histogram;

    void fail(std::string what) {
        ++errors;
        stop = true;
        if (first_error.empty()) {
            first_error = std::move(what);
        }
    }
};

// In line mode every byte is printable but those at size-1, 2*size-1, ...: newlines, so
// that a message taken at a multiple of `size` is exactly one line.
std::vector<std::byte> make_pattern(std::size_t size, bool lines) {
    std::vector<std::byte> p(size + pattern_window);
    std::uint64_t x = 0x9e3779b97f4a7c15ull;  // xorshift64: any fixed seed will do
    for (std::size_t i = 0; i < p.size(); ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = static_cast<std::byte>(x >> 24);
        if (lines) {
            p[i] = i % size == size - 1 ? std::byte{'\n'} : static_cast<std::byte>(' ' + x % 95);
        }
    }
    return p;
}

class Connection {
public:
    Connection(Shared& shared, std::size_t id)
        : sh_(shared),
          id_(id),
          size_(shared.opt.size),
          depth_(shared.opt.pipeline),
          rbuf_(std::min(max_read_chunk, size_ * depth_)),
          sent_at_(depth_),
          batch_(depth_) {}

    void run() {
        if (connect() && !sh_.stop) {
            exchange_until_stopped();
        }
    }

private:
    bool connect() {
        std::error_code ec;
        stream_ = TcpStream::connect(sh_.opt.endpoint, weft::Deadline::after(connect_timeout), ec);
        if (ec) {
            ++sh_.failed;
            sh_.fail("connect to " + sh_.opt.address + ": " + ec.message() + hint(ec));
            return false;
        }
        ++sh_.connected;
        stream_.set_read_deadline(weft::Deadline::at(sh_.hard_stop));
        stream_.set_write_deadline(weft::Deadline::at(sh_.hard_stop));
        return true;
    }

    static std::string hint(const std::error_code& ec) {
        if (ec == std::errc::too_many_files_open ||
            ec == std::errc::too_many_files_open_in_system) {
            return " (out of file descriptors: raise `ulimit -n` or use fewer --connections)";
        }
        if (ec == std::errc::connection_refused) {
            return " (is the server running?)";
        }
        if (ec == std::errc::address_not_available) {
            return " (out of local ports: use fewer --connections)";
        }
        return "";
    }

    // The life of the connection after connect: keep depth_ messages in flight until the end
    // of the run, then drain. Returns at the first error (recorded in Shared).
    void exchange_until_stopped() {
        if (!send_messages(depth_, Clock::now())) {
            return;
        }
        while (received_ < sent_) {
            const std::size_t outstanding = (sent_ - received_) * size_ - recv_off_;
            std::error_code ec;
            const std::size_t n =
                stream_.read_some({rbuf_.data(), std::min(rbuf_.size(), outstanding)}, ec);
            if (sh_.stop && sh_.errors > 0) {
                return;  // another connection failed: stop quietly
            }
            if (ec || n == 0) {
                sh_.fail(describe(ec ? "read: " + ec.message() : std::string{"unexpected EOF"}));
                return;
            }
            const Clock::time_point now = Clock::now();
            std::size_t completed = 0;
            if (!verify(n, now, completed)) {
                return;
            }
            if (completed > 0 && !sh_.stop && now < sh_.measure_end &&
                !send_messages(completed, now)) {
                return;
            }
        }
        stream_.close();
    }

    const std::byte* message(std::uint64_t m) const noexcept {
        const std::size_t at = id_ * 97 + m * 13;
        if (sh_.opt.lines) {  // whole lines only: start at a multiple of the size
            return sh_.pattern.data() +
                   at % std::max<std::size_t>(1, pattern_window / size_) * size_;
        }
        return sh_.pattern.data() + at % pattern_window;
    }

    bool send_messages(std::size_t count, Clock::time_point now) {
        for (std::size_t i = 0; i < count; ++i) {
            batch_[i] = ConstBuffer{message(sent_ + i), size_};
            sent_at_[(sent_ + i) % depth_] = now;
        }
        std::error_code ec;
        if (count == 1) {
            stream_.write_all(batch_[0], ec);
        } else {
            stream_.write_all(std::span<const ConstBuffer>{batch_.data(), count}, ec);
        }
        if (ec) {
            if (!(sh_.stop && sh_.errors > 0)) {
                sh_.fail(describe("write: " + ec.message()));
            }
            return false;
        }
        sent_ += count;
        return true;
    }

    // Checks n received bytes against the pattern and counts the messages they complete.
    bool verify(std::size_t n, Clock::time_point now, std::size_t& completed) {
        const std::byte* p = rbuf_.data();
        while (n > 0) {
            const std::size_t take = std::min(n, size_ - recv_off_);
            const std::byte* want = message(received_) + recv_off_;
            if (std::memcmp(p, want, take) != 0) {
                report_mismatch(p, want, take);
                return false;
            }
            p += take;
            n -= take;
            recv_off_ += take;
            if (recv_off_ == size_) {
                record(now - sent_at_[received_ % depth_], now);
                ++received_;
                recv_off_ = 0;
                ++completed;
            }
        }
        return true;
    }

    void record(Clock::duration latency, Clock::time_point now) noexcept {
        if (now >= sh_.measure_begin && now < sh_.measure_end) {
            sh_.histogram.record(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count()));
            ++sh_.round_trips;
        }
    }

    void report_mismatch(const std::byte* got, const std::byte* want, std::size_t len) {
        std::size_t i = 0;
        while (i < len && got[i] == want[i]) {
            ++i;
        }
        char detail[160];
        std::snprintf(detail, sizeof detail,
                      "echo mismatch: message %llu byte %zu: got 0x%02x, expected 0x%02x",
                      static_cast<unsigned long long>(received_), recv_off_ + i,
                      static_cast<unsigned>(got[i]), static_cast<unsigned>(want[i]));
        sh_.fail(describe(detail));
    }

    std::string describe(const std::string& what) const {
        return "connection " + std::to_string(id_) + ": " + what;
    }

    Shared& sh_;
    std::size_t id_;
    std::size_t size_;
    std::size_t depth_;
    TcpStream stream_;
    std::vector<std::byte> rbuf_;
    std::vector<Clock::time_point> sent_at_;  // ring: send time of message m at m % depth_
    std::vector<ConstBuffer> batch_;
    std::uint64_t sent_ = 0;      // messages written
    std::uint64_t received_ = 0;  // messages fully echoed and verified
    std::size_t recv_off_ = 0;    // bytes of message received_ already verified
};

// Raises the soft RLIMIT_NOFILE if `connections` need it; false (with a message) if the
// hard limit is too low.
bool ensure_fd_limit(std::size_t connections) {
    const rlim_t need = connections + 32;  // stdio, epoll, eventfd and some slack
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) {
        return true;
    }
    if (rl.rlim_max < need) {
        std::fprintf(stderr,
                     "echo_load: %zu connections need about %llu file descriptors, but the hard "
                     "limit (ulimit -Hn) is %llu: use fewer --connections\n",
                     connections, static_cast<unsigned long long>(need),
                     static_cast<unsigned long long>(rl.rlim_max));
        return false;
    }
    rl.rlim_cur = need;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

// Runs on the main fiber: connect everything, then time the warm-up and measured phases.
void drive(Shared& sh) {
    const bench::LoadOptions& opt = sh.opt;
    std::vector<Connection> conns;
    conns.reserve(opt.connections);
    std::vector<weft::JoinHandle> fibers;
    fibers.reserve(opt.connections);
    for (std::size_t i = 0; i < opt.connections; ++i) {
        conns.emplace_back(sh, i);
        fibers.push_back(weft::spawn([c = &conns.back()] { c->run(); }));
    }
    const Clock::time_point start = Clock::now();
    while (sh.connected + sh.failed < opt.connections && !sh.stop) {
        weft::this_fiber::sleep_for(1ms);
    }
    if (sh.failed == 0 && !sh.stop) {
        const Clock::time_point up = Clock::now();
        sh.measure_begin = up + opt.warmup;
        sh.measure_end = sh.measure_begin + opt.duration;
        // run_echo.sh waits for this line to time its samples inside the measured window.
        std::fprintf(
            stderr,
            "echo_load: %zu connections up in %.0f ms (%s backend); warm-up %.3f s, then %.3f s "
            "measured\n",
            opt.connections, std::chrono::duration<double, std::milli>(up - start).count(),
            sh.backend.c_str(), std::chrono::duration<double>(opt.warmup).count(),
            std::chrono::duration<double>(opt.duration).count());
    }
    for (weft::JoinHandle& f : fibers) {
        f.join();
    }
}

void print_result(const Shared& sh) {
    const bench::LoadOptions& opt = sh.opt;
    const double secs = std::chrono::duration<double>(opt.duration).count();
    const double rt_per_s = static_cast<double>(sh.round_trips) / secs;
    const double mb_per_s = rt_per_s * static_cast<double>(opt.size) / 1e6;
    auto us = [&](double q) {
        return static_cast<double>(sh.histogram.percentile(q)) / 1e3;
    };
    const double max_us = static_cast<double>(sh.histogram.max()) / 1e3;
    std::printf(
        "echo_load: %s, %zu connections x %zu B, pipeline %zu, %.1f s: %.0f round trips/s, "
        "%.2f MB/s, latency p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us, %llu errors\n",
        opt.address.c_str(), opt.connections, opt.size, opt.pipeline, secs, rt_per_s, mb_per_s,
        us(0.5), us(0.99), us(0.999), max_us, static_cast<unsigned long long>(sh.errors));
    std::printf(
        "RESULT rt_per_s=%.0f mb_per_s=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
        "errors=%llu round_trips=%llu connections=%zu size=%zu pipeline=%zu duration_s=%.3f\n",
        rt_per_s, mb_per_s, us(0.5), us(0.99), us(0.999), max_us,
        static_cast<unsigned long long>(sh.errors), static_cast<unsigned long long>(sh.round_trips),
        opt.connections, opt.size, opt.pipeline, secs);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char* argv[]) {
    bench::LoadOptions opt;
    if (!bench::parse_load_options(argc, argv, opt)) {
        return 2;
    }
    if (!ensure_fd_limit(opt.connections)) {
        return 2;
    }
    try {
        Shared sh{opt};
        sh.pattern = make_pattern(opt.size, opt.lines);
        sh.hard_stop = Clock::now() + connect_timeout + opt.warmup + opt.duration + grace;
        weft::RuntimeOptions ro;
        ro.threads = 1;  // Shared relies on it
        ro.backend = opt.backend;
        weft::Runtime runtime{ro};
        sh.backend = std::string{weft::to_string(runtime.backend())};
        runtime.run([&] { drive(sh); });
        if (sh.failed > 0) {
            std::fprintf(stderr, "echo_load: %zu of %zu connections failed; first: %s\n", sh.failed,
                         opt.connections, sh.first_error.c_str());
            return 2;
        }
        print_result(sh);
        if (sh.errors > 0) {
            std::fprintf(stderr, "echo_load: %llu errors; first: %s\n",
                         static_cast<unsigned long long>(sh.errors), sh.first_error.c_str());
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_load: %s\n", e.what());
        return 2;
    }
}
