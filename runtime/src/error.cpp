// weft::errc's category, the one throw site for system_error, and WEFT_ASSERT's failure.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <weft/detail/assert.hpp>
#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>

namespace weft {

namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "weft"; }

    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
            case errc::timed_out:
                return "operation timed out (deadline passed)";
            case errc::cancelled:
                return "operation cancelled";
            case errc::closed:
                return "socket or channel closed";
            case errc::unexpected_eof:
                return "peer closed the connection before the expected bytes arrived";
            case errc::pool_exhausted:
                return "pool exhausted";
            case errc::backend_unavailable:
                return "I/O backend unavailable";
            case errc::not_in_fiber:
                return "blocking call made outside a weft fiber";
        }
        return "unknown weft error " + std::to_string(code);
    }

    std::error_condition default_error_condition(int code) const noexcept override {
        switch (static_cast<errc>(code)) {
            case errc::timed_out:
                return std::errc::timed_out;
            case errc::cancelled:
                return std::errc::operation_canceled;
            default:
                return {code, *this};
        }
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

namespace detail {

void throw_error(std::error_code ec, std::string_view op, std::string_view context) {
    std::string what{op};
    if (!context.empty()) {
        what += ' ';
        what += context;
    }
    throw std::system_error(ec, what);
}

void assert_fail(const char* expr, const char* file, int line, const char* msg) noexcept {
    std::fprintf(stderr, "weft: internal invariant broken: %s (%s) at %s:%d\n", msg, expr, file,
                 line);
    std::abort();
}

}  // namespace detail
}  // namespace weft
