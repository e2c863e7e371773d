#pragma once

#include <string_view>

namespace weft::net::detail {

/// Splits "host:port" or "[v6]:port" at the last colon (the brackets are dropped from the
/// host). Returns false if there is no ':port', or an IPv6 address is not bracketed.
inline bool split_host_port(std::string_view text, std::string_view& host,
                            std::string_view& port) noexcept {
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return false;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        return !port.empty();
    }
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    return !port.empty() && host.find(':') == std::string_view::npos;
}

}  // namespace weft::net::detail
