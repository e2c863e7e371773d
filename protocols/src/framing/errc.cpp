// framing::errc's category.
#include <string>

#include <weft/framing/errc.hpp>

namespace weft::framing {

namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "weft.framing"; }

    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
            case errc::line_too_long:
                return "line too long (no line terminator within the maximum length)";
            case errc::frame_too_large:
                return "frame too large (above the maximum frame size)";
            case errc::malformed:
                return "malformed frame";
        }
        return "unknown framing error " + std::to_string(code);
    }

    std::error_condition default_error_condition(int code) const noexcept override {
        switch (static_cast<errc>(code)) {
            case errc::line_too_long:
            case errc::frame_too_large:
                return std::errc::message_size;
            case errc::malformed:
                return std::errc::bad_message;
        }
        return {code, *this};
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

}  // namespace weft::framing
