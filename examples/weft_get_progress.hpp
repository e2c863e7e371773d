#pragma once

// weft-get's progress display: one '\r'-rewritten line on a terminal (files done/total,
// bytes, rate), plain per-file lines otherwise (a log, a pipe, a test).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace weft_get {

inline std::string human_bytes(double n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (n >= 1024 && u < 4) {
        n /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", n, units[u]);
    return buf;
}

/// Counters shared by every download fiber (on any worker) and the display.
class Progress {
public:
    explicit Progress(std::size_t total) : total_(total), tty_(::isatty(STDERR_FILENO) == 1) {}

    void add_bytes(std::uint64_t n) noexcept { bytes_ += n; }
    void file_done(const std::string& url, const std::string& path, std::uint64_t size) {
        ++done_;
        if (!tty_) {
            std::fprintf(stderr, "done %s -> %s (%s)\n", url.c_str(), path.c_str(),
                         human_bytes(static_cast<double>(size)).c_str());
        }
    }
    void file_failed(const std::string& url, const std::string& why) {
        ++failed_;
        std::fprintf(stderr, "%sFAILED %s: %s\n", tty_ ? "\r\033[K" : "", url.c_str(), why.c_str());
    }
    /// Rewrites the status line (terminal only). Called by the display fiber.
    void draw() const {
        if (tty_) {
            std::fprintf(stderr, "\r\033[K%s", line().c_str());
        }
    }
    /// The last line: always printed.
    void summary() const { std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[K" : "", line().c_str()); }
    std::size_t failed() const noexcept { return failed_; }

private:
    std::string line() const {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const auto bytes = static_cast<double>(bytes_.load());
        char buf[160];
        std::snprintf(
            buf, sizeof buf, "[%zu/%zu files] %s in %.1f s, %s/s%s", done_.load(), total_,
            human_bytes(bytes).c_str(), secs, human_bytes(secs > 0 ? bytes / secs : 0).c_str(),
            failed_ > 0 ? (", " + std::to_string(failed_.load()) + " failed").c_str() : "");
        return buf;
    }

    const std::size_t total_;
    const bool tty_;
    const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::size_t> done_{0};
    std::atomic<std::size_t> failed_{0};
};

}  // namespace weft_get
