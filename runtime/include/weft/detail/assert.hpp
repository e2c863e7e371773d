#pragma once

namespace weft::detail {
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const char* msg) noexcept;
}

/// A broken internal invariant: abort with a message in every build. Never for bad input.
#define WEFT_ASSERT(expr, msg)                                              \
    do {                                                                    \
        if (!(expr)) [[unlikely]] {                                         \
            ::weft::detail::assert_fail(#expr, __FILE__, __LINE__, (msg)); \
        }                                                                   \
    } while (false)
