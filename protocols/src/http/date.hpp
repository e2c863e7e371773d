#pragma once

#include <string_view>

namespace weft::http::detail {

/// Now as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 §5.6.7), formatted at
/// most once per second per thread. Valid until the calling thread's next call: use it
/// before the fiber can migrate (before any blocking call).
std::string_view http_date() noexcept;

}  // namespace weft::http::detail
