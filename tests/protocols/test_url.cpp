// Url::parse and resolve_reference: accepted forms, each rejection with its own error, and
// the RFC 3986 §5.4 reference resolution examples that apply to http.
#include <string>

#include <catch2/catch.hpp>

#include <weft/http/url.hpp>

using weft::http::client_errc;
using weft::http::resolve_reference;
using weft::http::Url;

namespace {

std::error_code parse_error(std::string_view text) {
    std::error_code ec;
    (void)Url::parse(text, ec);
    return ec;
}

std::string resolve(std::string_view base, std::string_view location) {
    return resolve_reference(Url::parse(base), location).to_string();
}

}  // namespace

TEST_CASE("url: Url::parse splits host, port and target", "[http][url]") {
    const Url u = Url::parse("http://Example.COM:8080/a/b?q=1#frag");
    CHECK(u.host == "example.com");
    CHECK(u.port == 8080);
    CHECK(u.target == "/a/b?q=1");
    CHECK(u.authority() == "example.com:8080");
    CHECK(u.to_string() == "http://example.com:8080/a/b?q=1");

    const Url plain = Url::parse("HTTP://host");
    CHECK(plain.port == 80);
    CHECK(plain.target == "/");
    CHECK(plain.authority() == "host");
    CHECK(Url::parse("http://host?x=1").target == "/?x=1");
    CHECK(Url::parse("http://host:/p").port == 80);
    CHECK(Url::parse("http://10.0.0.1:65535/").port == 65535);
    CHECK(Url::parse("http://h/a/./b/../c").target == "/a/c");
}

TEST_CASE("url: Url::parse takes bracketed IPv6 literals", "[http][url]") {
    const Url u = Url::parse("http://[::1]:8080/x");
    CHECK(u.host == "::1");
    CHECK(u.is_ipv6());
    CHECK(u.port == 8080);
    CHECK(u.authority() == "[::1]:8080");
    CHECK(Url::parse("http://[2001:DB8::1]/").host == "2001:db8::1");
    CHECK(parse_error("http://[::1/") == client_errc::invalid_url);
    CHECK(parse_error("http://[::1]x/") == client_errc::invalid_url);
    CHECK(parse_error("http://[zz]/") == client_errc::invalid_url);
}

TEST_CASE("url: Url::parse rejects what a client cannot send, each with its reason",
          "[http][url]") {
    CHECK(parse_error("https://example.com/") == client_errc::https_not_supported);
    CHECK(parse_error("HTTPS://example.com/") == client_errc::https_not_supported);
    CHECK(parse_error("ftp://example.com/") == client_errc::unsupported_scheme);
    CHECK(parse_error("http://user:pw@example.com/") == client_errc::userinfo_not_supported);
    for (const char* bad :
         {"", "example.com", "http:/x", "http://", "http://:80/", "http://h:0/", "http://h:65536/",
          "http://h:8x/", "http://h:-1/", "http://h/a b", "http://h/\r\nX: y", "http://h$/"}) {
        INFO(bad);
        CHECK(parse_error(bad) == client_errc::invalid_url);
    }
}

TEST_CASE("url: Url::parse's throwing form quotes the URL and says why", "[http][url]") {
    try {
        (void)Url::parse("https://example.com/");
        FAIL("no exception");
    } catch (const std::system_error& e) {
        CHECK(e.code() == client_errc::https_not_supported);
        CHECK(std::string{e.what()}.find("https://example.com/") != std::string::npos);
        CHECK(std::string{e.what()}.find("https is not supported") != std::string::npos);
    }
}

TEST_CASE("url: resolve_reference follows RFC 3986 for redirects", "[http][url]") {
    const char* base = "http://a/b/c/d;p?q";
    CHECK(resolve(base, "http://other:81/x") == "http://other:81/x");
    CHECK(resolve(base, "//g/x") == "http://g/x");
    CHECK(resolve(base, "/g") == "http://a/g");
    CHECK(resolve(base, "g") == "http://a/b/c/g");
    CHECK(resolve(base, "./g") == "http://a/b/c/g");
    CHECK(resolve(base, "g/") == "http://a/b/c/g/");
    CHECK(resolve(base, "?y") == "http://a/b/c/d;p?y");
    CHECK(resolve(base, "g?y") == "http://a/b/c/g?y");
    CHECK(resolve(base, "g#s") == "http://a/b/c/g");
    CHECK(resolve(base, "..") == "http://a/b/");
    CHECK(resolve(base, "../g") == "http://a/b/g");
    CHECK(resolve(base, "../../../g") == "http://a/g");
    CHECK(resolve(base, "/./g") == "http://a/g");
    CHECK(resolve(base, "") == "http://a/b/c/d;p?q");
    CHECK(resolve("http://a:8080/x", "/y") == "http://a:8080/y");
}

TEST_CASE("url: resolve_reference rejects a Location a client must not follow", "[http][url]") {
    const Url base = Url::parse("http://a/b");
    std::error_code ec;
    (void)resolve_reference(base, "https://a/secure", ec);
    CHECK(ec == client_errc::https_not_supported);
    (void)resolve_reference(base, "/x\r\nInjected: 1", ec);
    CHECK(ec == client_errc::invalid_url);
    CHECK_THROWS_AS(resolve_reference(base, "ftp://a/"), std::system_error);
}
