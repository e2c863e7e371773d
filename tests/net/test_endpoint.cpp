#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

using weft::net::Endpoint;

TEST_CASE("IPv4 endpoints parse and print", "[net][endpoint]") {
    Endpoint e = Endpoint::parse("127.0.0.1:8080");
    CHECK(e.is_v4());
    CHECK(e.port() == 8080);
    CHECK(e.to_string() == "127.0.0.1:8080");
    CHECK(Endpoint::parse(":7000").to_string() == "0.0.0.0:7000");
    CHECK(e == Endpoint::loopback_v4(8080));
}

TEST_CASE("IPv6 endpoints parse and print in brackets", "[net][endpoint]") {
    Endpoint e = Endpoint::parse("[::1]:80");
    CHECK(e.is_v6());
    CHECK(e.port() == 80);
    CHECK(e.to_string() == "[::1]:80");
    CHECK(e == Endpoint::loopback_v6(80));
    CHECK(Endpoint::parse("[2001:db8::7]:65535").to_string() == "[2001:db8::7]:65535");
}

TEST_CASE("malformed endpoints are rejected with the reason", "[net][endpoint]") {
    CHECK_THROWS_WITH(Endpoint::parse("127.0.0.1"), Catch::Contains("port"));
    CHECK_THROWS_WITH(Endpoint::parse("127.0.0.1:65536"), Catch::Contains("0 to 65535"));
    CHECK_THROWS_WITH(Endpoint::parse("127.0.0.1:x"), Catch::Contains("port"));
    CHECK_THROWS_WITH(Endpoint::parse("::1:80"), Catch::Contains("brackets"));
    CHECK_THROWS_WITH(Endpoint::parse("[::1:80"), Catch::Contains("]"));
    CHECK_THROWS_WITH(Endpoint::parse("300.1.1.1:80"), Catch::Contains("IPv4"));
    CHECK_THROWS_WITH(Endpoint::parse("example.com:80"), Catch::Contains("resolve"));
    CHECK_FALSE(Endpoint::try_parse("[zz]:1").has_value());
    CHECK(Endpoint{}.to_string() == "unspecified");
}

TEST_CASE("set_port changes only the port", "[net][endpoint]") {
    Endpoint e = Endpoint::parse("10.1.2.3:1");
    e.set_port(443);
    CHECK(e.to_string() == "10.1.2.3:443");
}
