#include "date.hpp"

#include <cstdio>
#include <ctime>

namespace weft::http::detail {

namespace {

// Formatted by hand: strftime's %a and %b follow the process locale, HTTP's names do not.
std::size_t format_imf_fixdate(std::time_t t, char (&out)[32]) noexcept {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    const int n = std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                                tm.tm_hour, tm.tm_min, tm.tm_sec);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace

std::string_view http_date() noexcept {
    // Per thread, so that no lock is needed; the text changes once a second.
    thread_local std::time_t cached_second = -1;
    thread_local char text[32];
    thread_local std::size_t size = 0;
    const std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        size = format_imf_fixdate(now, text);
        cached_second = now;
    }
    return {text, size};
}

}  // namespace weft::http::detail
