// framing::errc: a std::error_code enum with its own category and generic equivalents.
#include <system_error>

#include <catch2/catch.hpp>

#include <weft/framing/errc.hpp>

using weft::framing::errc;

TEST_CASE("framing::errc converts to std::error_code in its own category", "[framing][errc]") {
    const std::error_code ec = errc::line_too_long;
    CHECK(ec.category() == weft::framing::error_category());
    CHECK(ec.value() == 1);
    CHECK(std::string{ec.category().name()} == "weft.framing");
    CHECK(ec == errc::line_too_long);
    CHECK(ec != errc::frame_too_large);
    for (errc e : {errc::line_too_long, errc::frame_too_large, errc::malformed}) {
        CHECK_FALSE(make_error_code(e).message().empty());
        CHECK(make_error_code(e).message().find("unknown") == std::string::npos);
    }
}

TEST_CASE("framing errors compare equal to the generic conditions", "[framing][errc]") {
    CHECK(make_error_code(errc::line_too_long) == std::errc::message_size);
    CHECK(make_error_code(errc::frame_too_large) == std::errc::message_size);
    CHECK(make_error_code(errc::malformed) == std::errc::bad_message);
}
