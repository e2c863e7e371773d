#pragma once

#include <string_view>
#include <system_error>

namespace weft::detail {

/// The one place that builds and throws std::system_error: "op context: cause".
[[noreturn]] void throw_error(std::error_code ec, std::string_view op, std::string_view context = {});

}  // namespace weft::detail
