// RequestParser / ResponseParser: tables of valid messages and of malformed and smuggling
// requests, each run whole, split at every byte offset and one byte at a time (all three
// must agree with each other and with the table), plus the contract details: views into
// the input, pipelining, keep-alive, limits at and one past their value, status mapping.
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/http/parser.hpp>
#include <weft/http/status.hpp>

#include "http_harness.hpp"

using weft::http::BodyKind;
using weft::http::errc;
using weft::http::Limits;
using weft::http::ParseResult;
using weft::http::RequestParser;
using weft::http::ResponseParser;
using weft::http::status_for;
using namespace weft::test;
using namespace std::string_literals;

namespace {

Limits small_limits() {
    Limits l;
    l.max_start_line = 20;
    l.max_header_bytes = 40;
    l.max_headers = 3;
    l.max_body = 10;
    l.max_chunk_line = 12;
    return l;
}

struct Case {
    const char* name;
    std::string input;
    std::string expected;  // summary() of the messages
    errc error = {};
    int status = 0;  // status_for(error), when there is one
    std::size_t leftover = 0;
    Limits limits = {};
    bool at_eof = false;
};

#define H11 " HTTP/1.1\r\nHost: a\r\n"

const std::vector<Case>& valid_requests() {
    static const std::vector<Case> table{
        {"GET", "GET /" H11 "\r\n", "GET / 1.1"},
        {"HTTP/1.0 without Host closes", "GET / HTTP/1.0\r\n\r\n", "GET / 1.0 close"},
        {"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET / 1.0"},
        {"Connection: close", "GET /" H11 "Connection: close\r\n\r\n", "GET / 1.1 close"},
        {"Connection list, any case", "GET /" H11 "Connection: foo, ClOsE\r\n\r\n",
         "GET / 1.1 close"},
        {"HTTP/1.2 reads as 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", "GET / 1.2"},
        {"Content-Length body", "POST /f" H11 "Content-Length: 5\r\n\r\nhello",
         "POST /f 1.1 body=hello"},
        {"Content-Length 0", "POST /" H11 "Content-Length: 0\r\n\r\n", "POST / 1.1"},
        {"Content-Length leading zeros", "POST /" H11 "Content-Length: 003\r\n\r\nabc",
         "POST / 1.1 body=abc"},
        {"chunked",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
         "POST / 1.1 body=hello world"},
        {"chunked: extensions, uppercase hex, zeros",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n"
         "0A;a=b ; c;d=\"q\\\"x\"\r\n0123456789\r\n000;last\r\n\r\n",
         "POST / 1.1 body=0123456789"},
        {"chunked with trailers",
         "POST /" H11 "Transfer-Encoding: Chunked\r\n\r\n"
         "3\r\nabc\r\n0\r\nX-Sum: 1\r\nY:  2 \r\n\r\n",
         "POST / 1.1 body=abc trailers=X-Sum:1,Y:2"},
        {"Transfer-Encoding list with empty elements",
         "POST /" H11 "Transfer-Encoding: ,chunked,\r\n\r\n0\r\n\r\n", "POST / 1.1"},
        {"pipelined",
         "GET /a" H11 "\r\nPOST /b" H11 "Content-Length: 2\r\n\r\nhiGET /c HTTP/1.0\r\n\r\n",
         "GET /a 1.1 | POST /b 1.1 body=hi | GET /c 1.0 close"},
        {"smuggled request inside a body stays body",
         "POST /" H11 "Content-Length: 19\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
         "POST / 1.1 body=GET /x HTTP/1.1\r\n\r\n"},
        {"empty lines before the request line", "\r\n\r\nGET /" H11 "\r\n", "GET / 1.1"},
        {"incomplete head", "GET /" H11, "", {}, 0, 25},
        {"incomplete body", "POST /" H11 "Content-Length: 5\r\n\r\nhel",
         "POST / 1.1 body=hel incomplete"},
        {"incomplete chunked, framing consumed",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n3\r\nab", "POST / 1.1 body=ab incomplete"},
        {"incomplete trailers stay buffered",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n",
         "POST / 1.1 incomplete",
         {},
         0,
         6},
        {"absolute-form", "GET http://a/b?c" H11 "\r\n", "GET http://a/b?c 1.1"},
        {"authority-form for CONNECT", "CONNECT a.b:443" H11 "\r\n", "CONNECT a.b:443 1.1"},
        {"asterisk-form for OPTIONS", "OPTIONS *" H11 "\r\n", "OPTIONS * 1.1"},
        {"unknown method token", "PURGE /x" H11 "\r\n", "PURGE /x 1.1"},
        {"percent-escapes and sub-delims", "GET /a%20b;c=d!$&'()*+,~" H11 "\r\n",
         "GET /a%20b;c=d!$&'()*+,~ 1.1"},
        {"obs-text in a value, empty value", "GET /" H11 "X: caf\xc3\xa9\r\nY:\r\n\r\n",
         "GET / 1.1"},
        {"Expect: 100-continue", "PUT /" H11 "Expect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
         "PUT / 1.1 body=x"},
        {"clean EOF between messages", "GET /" H11 "\r\n", "GET / 1.1", {}, 0, 0, {}, true},
        // limits, at the value (small_limits: line 20, fields 40 bytes / 3, body 10, chunk line 12)
        {"request line of exactly 20 bytes",
         "GET /abcdef HTTP/1.0\r\n\r\n",
         "GET /abcdef 1.0 close",
         {},
         0,
         0,
         small_limits()},
        {"Content-Length at max_body",
         "GET / HTTP/1.0\r\nContent-Length: 10\r\n\r\n0123456789",
         "GET / 1.0 close body=0123456789",
         {},
         0,
         0,
         small_limits()},
        {"chunks summing to max_body",
         "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
         "chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n",
         "GET / 1.1 body=0123456789",
         {},
         0,
         0,
         small_limits()},
        {"chunk line of exactly max_chunk_line",
         "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
         "chunked\r\n\r\n1;aaaaaaaaaa\r\nx\r\n0\r\n\r\n",
         "GET / 1.1 body=x",
         {},
         0,
         0,
         small_limits()},
        {"three fields, 40 bytes",
         "GET / HTTP/1.0\r\nA: 123456789\r\nB: 1234567890123\r\nC: 1\r\n\r\n",
         "GET / 1.0 close",
         {},
         0,
         0,
         small_limits()},
    };
    return table;
}

const std::vector<Case>& rejected_requests() {
    static const std::vector<Case> table{
        // framing and smuggling
        {"CL then TE", "POST /" H11 "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "",
         errc::content_length_and_transfer_encoding, 400},
        {"TE then CL", "POST /" H11 "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "",
         errc::content_length_and_transfer_encoding, 400},
        {"duplicate CL, same value",
         "POST /" H11 "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "",
         errc::bad_content_length, 400},
        {"duplicate CL, other value", "POST /" H11 "Content-Length: 3\r\ncontent-length: 4\r\n\r\n",
         "", errc::bad_content_length, 400},
        {"CL list", "POST /" H11 "Content-Length: 3, 3\r\n\r\n", "", errc::bad_content_length, 400},
        {"CL with sign", "POST /" H11 "Content-Length: +3\r\n\r\n", "", errc::bad_content_length,
         400},
        {"CL negative", "POST /" H11 "Content-Length: -1\r\n\r\n", "", errc::bad_content_length,
         400},
        {"CL hex", "POST /" H11 "Content-Length: 0x10\r\n\r\n", "", errc::bad_content_length, 400},
        {"CL empty", "POST /" H11 "Content-Length: \r\n\r\n", "", errc::bad_content_length, 400},
        {"CL inner space", "POST /" H11 "Content-Length: 1 2\r\n\r\n", "", errc::bad_content_length,
         400},
        {"CL overflow", "POST /" H11 "Content-Length: 18446744073709551616\r\n\r\n", "",
         errc::bad_content_length, 400},
        {"CL above max_body", "POST /" H11 "Content-Length: 1048577\r\n\r\n", "",
         errc::body_too_large, 413},
        {"TE chunked twice", "POST /" H11 "Transfer-Encoding: chunked, chunked\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE chunked on two lines",
         "POST /" H11 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE chunked not last", "POST /" H11 "Transfer-Encoding: chunked, gzip\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE gzip only", "POST /" H11 "Transfer-Encoding: gzip\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE identity", "POST /" H11 "Transfer-Encoding: identity\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE xchunked", "POST /" H11 "Transfer-Encoding: xchunked\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE empty", "POST /" H11 "Transfer-Encoding: \r\n\r\n", "", errc::bad_transfer_encoding,
         400},
        {"TE chunked with parameter", "POST /" H11 "Transfer-Encoding: chunked;q=1\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"TE gzip, chunked", "POST /" H11 "Transfer-Encoding: gzip, chunked\r\n\r\n", "",
         errc::unsupported_transfer_coding, 501},
        // chunks
        {"chunk size not hex", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"chunk size 0x", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"chunk size empty", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"chunk size negative", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n-3\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"chunk size overflow",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"chunk size above max_body", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n100001\r\n",
         "POST / 1.1 incomplete", errc::body_too_large, 413},
        {"chunk data without CRLF", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
         "POST / 1.1 body=abc incomplete", errc::bad_chunk, 400},
        {"chunk size then space", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"chunk size LF only", "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"chunk extension without name",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n3;=x\r\nabc\r\n", "POST / 1.1 incomplete",
         errc::bad_chunk, 400},
        {"chunk extension with bad byte",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n3;a=\x01\r\nabc\r\n",
         "POST / 1.1 incomplete", errc::bad_chunk, 400},
        {"trailer with obs-fold",
         "POST /" H11 "Transfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n",
         "POST / 1.1 incomplete", errc::obs_fold, 400},
        // head syntax
        {"obs-fold", "GET /" H11 "X: a\r\n b\r\n\r\n", "", errc::obs_fold, 400},
        {"whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", "",
         errc::obs_fold, 400},
        {"bare CR in a value", "GET /" H11 "X: a\rb\r\n\r\n", "", errc::bare_cr, 400},
        {"bare CR after the request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", "", errc::bare_cr,
         400},
        {"bare LF ending a field", "GET /" H11 "X: a\n\r\n", "", errc::bare_lf, 400},
        {"bare LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", "", errc::bare_lf,
         400},
        {"space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "",
         errc::whitespace_before_colon, 400},
        {"tab before the colon", "GET /" H11 "X\t: a\r\n\r\n", "", errc::whitespace_before_colon,
         400},
        {"empty field name", "GET /" H11 ": a\r\n\r\n", "", errc::bad_header_name, 400},
        {"field name with (", "GET /" H11 "X(: a\r\n\r\n", "", errc::bad_header_name, 400},
        {"field name with a control", "GET /" H11 "X\x01: a\r\n\r\n", "", errc::bad_header_name,
         400},
        {"field line without colon", "GET /" H11 "Xa\r\n\r\n", "", errc::bad_header_name, 400},
        {"NUL in a value", "GET /" H11 "X: a\0b\r\n\r\n"s, "", errc::bad_header_value, 400},
        {"DEL in a value", "GET /" H11 "X: a\x7f\r\n\r\n", "", errc::bad_header_value, 400},
        {"method with @", "G@T / HTTP/1.1\r\n\r\n", "", errc::bad_method, 400},
        {"method with NUL", "G\0T / HTTP/1.1\r\n\r\n"s, "", errc::bad_method, 400},
        {"request line starting with space", " GET / HTTP/1.1\r\n\r\n", "", errc::bad_method, 400},
        {"two spaces after the method", "GET  / HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"target with <", "GET /<x> HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"target with #", "GET /a#b HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"target with bad %-escape", "GET /a%2g HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"target with truncated %-escape", "GET /a% HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"target not a form", "GET a/b HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"asterisk for GET", "GET * HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"CONNECT with origin-form", "CONNECT / HTTP/1.1\r\n\r\n", "", errc::bad_target, 400},
        {"no version (HTTP/0.9)", "GET /\r\n\r\n", "", errc::bad_version, 400},
        {"lowercase version", "GET / http/1.1\r\n\r\n", "", errc::bad_version, 400},
        {"version without minor", "GET / HTTP/1\r\n\r\n", "", errc::bad_version, 400},
        {"version too long", "GET / HTTP/1.10\r\n\r\n", "", errc::bad_version, 400},
        {"space after the version", "GET / HTTP/1.1 \r\n\r\n", "", errc::bad_version, 400},
        {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", "", errc::unsupported_version, 505},
        {"HTTP/0.9 spelled out", "GET / HTTP/0.9\r\n\r\n", "", errc::unsupported_version, 505},
        {"missing Host in 1.1", "GET / HTTP/1.1\r\n\r\n", "", errc::bad_host, 400},
        {"two Host lines", "GET /" H11 "Host: b\r\n\r\n", "", errc::bad_host, 400},
        {"Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "", errc::bad_host, 400},
        {"Host with /", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "", errc::bad_host, 400},
        {"good request, then a bad one", "GET /" H11 "\r\nGET / HTTP/1.1\r\n\r\n", "GET / 1.1",
         errc::bad_host, 400},
        {"EOF inside a head", "GET / HT", "", errc::unexpected_eof, 400, 8, {}, true},
        {"EOF inside a body",
         "POST /" H11 "Content-Length: 5\r\n\r\nab",
         "POST / 1.1 body=ab incomplete",
         errc::unexpected_eof,
         400,
         0,
         {},
         true},
        // limits, one past the value (small_limits: line 20, fields 40 bytes / 3, body 10)
        {"request line of 21 bytes", "GET /abcdefg HTTP/1.0\r\n\r\n", "", errc::start_line_too_long,
         414, 0, small_limits()},
        {"request line of 21 bytes, no CRLF yet", "GET /abcdefg HTTP/1.0", "",
         errc::start_line_too_long, 414, 0, small_limits()},
        {"empty lines count toward the line limit", "\r\n\r\n\r\nGET /ab HTTP/1.0\r\n\r\n", "",
         errc::start_line_too_long, 414, 0, small_limits()},
        {"fields of 41 bytes",
         "GET / HTTP/1.0\r\nA: 123456789\r\nB: 12345678901234\r\nC: 1\r\n\r\n", "",
         errc::headers_too_large, 431, 0, small_limits()},
        {"four fields", "GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", "",
         errc::too_many_headers, 431, 0, small_limits()},
        {"Content-Length above max_body", "GET / HTTP/1.0\r\nContent-Length: 11\r\n\r\n", "",
         errc::body_too_large, 413, 0, small_limits()},
        {"chunk line above max_chunk_line",
         "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;aaaaaaaaaaa\r\nx\r\n",
         "GET / 1.1 incomplete", errc::bad_chunk, 400, 0, small_limits()},
        {"chunks above max_body",
         "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
         "chunked\r\n\r\n6\r\n012345\r\n5\r\n56789\r\n",
         "GET / 1.1 body=012345 incomplete", errc::body_too_large, 413, 0, small_limits()},
    };
    return table;
}

const std::vector<Case>& responses() {
    static const std::vector<Case> table{
        {"Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", "200 OK 1.1 body=hi"},
        {"chunked with trailers",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=1\r\nhi\r\n0\r\nT: v\r\n\r\n",
         "200 OK 1.1 body=hi trailers=T:v"},
        {"until close",
         "HTTP/1.1 200 OK\r\n\r\nabc",
         "200 OK 1.1 close body=abc",
         {},
         0,
         0,
         {},
         true},
        {"until close, EOF not seen yet", "HTTP/1.1 200 OK\r\n\r\nabc",
         "200 OK 1.1 close body=abc incomplete"},
        {"204 has no body",
         "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
         "204 No Content 1.1 | 200 OK 1.1"},
        {"304 ignores Content-Length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
         "304 Not Modified 1.1"},
        {"100 Continue, then the final response",
         "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx",
         "100 Continue 1.1 | 201 Created 1.1 body=x"},
        {"101 upgrade ends HTTP", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
         "101 Switching Protocols 1.1 close"},
        {"empty reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", "200  1.1"},
        {"reason with obs-text and tabs", "HTTP/1.1 404 Not\tF\xf6und\r\nContent-Length: 0\r\n\r\n",
         "404 Not\tF\xf6und 1.1"},
        {"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
         "200 OK 1.0 close body=x"},
        {"HTTP/1.0 keep-alive",
         "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", "200 OK 1.0"},
        {"until close, at max_body",
         "HTTP/1.1 200 OK\r\n\r\n0123456789",
         "200 OK 1.1 close body=0123456789",
         {},
         0,
         0,
         small_limits(),
         true},
        {"until close, past max_body", "HTTP/1.1 200 OK\r\n\r\n0123456789A",
         "200 OK 1.1 close body=0123456789 incomplete", errc::body_too_large, 413, 0,
         small_limits()},
        {"no SP after the status", "HTTP/1.1 200\r\n\r\n", "", errc::bad_status, 502},
        {"status below 100", "HTTP/1.1 099 X\r\n\r\n", "", errc::bad_status, 502},
        {"status above 599", "HTTP/1.1 600 X\r\n\r\n", "", errc::bad_status, 502},
        {"four-digit status", "HTTP/1.1 2000 X\r\n\r\n", "", errc::bad_status, 502},
        {"control byte in the reason", "HTTP/1.1 200 O\x01K\r\n\r\n", "", errc::bad_status, 502},
        {"HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", "", errc::bad_version, 400},
        {"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
         "", errc::content_length_and_transfer_encoding, 400},
        {"TE gzip only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "",
         errc::bad_transfer_encoding, 400},
        {"EOF inside a chunked body",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
         "200 OK 1.1 body=ab incomplete",
         errc::unexpected_eof,
         400,
         0,
         {},
         true},
    };
    return table;
}

#undef H11

template <class Parser>
void check_case(const Case& c) {
    INFO("case: " << c.name);
    const HttpOutcome got = run_all_splits([&] { return Parser{c.limits}; }, c.input, c.at_eof);
    CHECK(summary(got) == c.expected);
    CHECK(got.error == c.error);
    CHECK(got.leftover == c.leftover);
    if (c.error != errc{}) {
        CHECK(static_cast<int>(status_for(c.error)) == c.status);
    }
}

}  // namespace

TEST_CASE("RequestParser accepts valid requests whole, split anywhere and byte by byte",
          "[http][parser]") {
    for (const Case& c : valid_requests()) {
        check_case<RequestParser>(c);
    }
}

TEST_CASE("RequestParser rejects malformed and smuggling requests with the right status",
          "[http][parser]") {
    for (const Case& c : rejected_requests()) {
        check_case<RequestParser>(c);
    }
}

TEST_CASE("ResponseParser reads every body framing whole, split anywhere and byte by byte",
          "[http][parser]") {
    for (const Case& c : responses()) {
        check_case<ResponseParser>(c);
    }
}

TEST_CASE("ResponseParser: a response to HEAD or CONNECT has no body", "[http][parser]") {
    const std::string head =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    const HttpOutcome got = run_all_splits(
        [] {
            ResponseParser p;
            p.set_request_method("HEAD");  // holds across the 100, ends with the first 200
            return p;
        },
        head, false);
    CHECK(summary(got) == "100 Continue 1.1 | 200 OK 1.1 | 200 OK 1.1 body=x");

    ResponseParser connect;
    connect.set_request_method("CONNECT");
    const std::string tunnel = "HTTP/1.1 200 OK\r\n\r\n\x16\x03";
    const ParseResult r = connect.parse(as_bytes(tunnel));
    REQUIRE(r.status == ParseResult::Status::head);
    CHECK(connect.head().upgrade);
    CHECK_FALSE(connect.head().keep_alive);
    CHECK(connect.head().body == BodyKind::none);
    CHECK(connect.parse(as_bytes(tunnel).subspan(r.consumed)).status == ParseResult::Status::done);
}

TEST_CASE("The head's views point into the input, values trimmed, names as sent",
          "[http][parser]") {
    const std::string in =
        "PUT /up?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nX-Pad:  a  b \t\r\n"
        "expect: 100-Continue\r\nContent-Length: 3\r\n\r\nabcGET";
    RequestParser p;
    const ParseResult r = p.parse(as_bytes(in));
    REQUIRE(r.status == ParseResult::Status::head);
    CHECK(r.consumed == in.size() - 6);
    const auto& h = p.head();
    CHECK(h.method.data() == in.data());
    CHECK(h.target == "/up?x=1");
    CHECK(h.version_minor == 1);
    CHECK(h.keep_alive);
    CHECK(h.expect_continue);
    CHECK(h.body == BodyKind::content_length);
    CHECK(h.content_length == 3);
    REQUIRE(h.headers.size() == 4);
    CHECK(h.headers[1].name == "X-Pad");
    CHECK(h.headers[1].value == "a  b");
    CHECK(h.headers[2].name == "expect");
    REQUIRE(h.find("HOST") != nullptr);
    CHECK(h.find("HOST")->value == "example.com:8080");
    CHECK(h.find("content-length") == &h.headers[3]);
    CHECK(h.find("Missing") == nullptr);

    const auto rest = as_bytes(in).subspan(r.consumed);
    const ParseResult b = p.parse(rest);
    REQUIRE(b.status == ParseResult::Status::body);
    CHECK(b.body.data() == rest.data());  // no copy
    CHECK(b.consumed == 3);
    // The parser stops at the end of the message: "GET" is the next message's business.
    const ParseResult d = p.parse(rest.subspan(3));
    CHECK(d.status == ParseResult::Status::done);
    CHECK(d.consumed == 0);
    CHECK(p.parse(rest.subspan(3)).status == ParseResult::Status::need_more);
}

TEST_CASE("Errors are sticky until reset()", "[http][parser]") {
    RequestParser p;
    const std::string bad = "GET / HTTP/1.1\r\nHost : a\r\n\r\n";
    const ParseResult r = p.parse(as_bytes(bad));
    REQUIRE(r.status == ParseResult::Status::error);
    CHECK(r.error == errc::whitespace_before_colon);
    const std::string good = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    CHECK(p.parse(as_bytes(good)).error == errc::whitespace_before_colon);
    CHECK(p.finish().error == errc::whitespace_before_colon);
    p.reset();
    CHECK(p.parse(as_bytes(good)).status == ParseResult::Status::head);
}

TEST_CASE("The default limits are 8 KiB line, 32 KiB and 100 fields, 1 MiB body",
          "[http][parser]") {
    RequestParser p;
    CHECK(p.max_head_size() == 8192 + 2 + 32768);
    auto status_of = [](const std::string& in) {
        RequestParser parser;
        const ParseResult r = parser.parse(as_bytes(in));
        return r.status == ParseResult::Status::error ? static_cast<int>(status_for(r.error)) : 0;
    };
    const std::string line_8192 = "GET /" + std::string(8192 - 14, 'a') + " HTTP/1.1";
    REQUIRE(line_8192.size() == 8192);
    CHECK(status_of(line_8192 + "\r\nHost: a\r\n\r\n") == 0);
    CHECK(status_of("GET /a" + line_8192.substr(5) + "\r\n") == 414);

    std::string fields;
    for (int i = 0; i < 99; ++i) {
        fields += "X-" + std::to_string(i) + ": v\r\n";
    }
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n") == 0);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "Y: 1\r\n\r\n") == 431);

    const std::string big = "X: " + std::string(32768 - 2 - 9 - 5, 'v') + "\r\n";
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\n" + big + "\r\n") == 0);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nX" + big + "\r\n") == 431);

    CHECK(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n") == 0);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n") == 413);
}

TEST_CASE("http::errc maps to the status a server answers and to portable conditions",
          "[http][errc]") {
    CHECK(status_for(errc::bad_chunk) == weft::http::StatusCode::bad_request);
    CHECK(status_for(errc::unsupported_transfer_coding) == weft::http::StatusCode::not_implemented);
    CHECK(status_for(errc::unsupported_version) ==
          weft::http::StatusCode::http_version_not_supported);
    CHECK(status_for(std::make_error_code(std::errc::timed_out)) ==
          weft::http::StatusCode::bad_request);
    CHECK(weft::http::reason_phrase(431) == "Request Header Fields Too Large");
    CHECK(weft::http::reason_phrase(299).empty());
    const std::error_code ec = errc::headers_too_large;
    CHECK(ec.category().name() == std::string{"weft.http"});
    CHECK(ec == std::errc::message_size);
    CHECK(std::error_code{errc::obs_fold} == std::errc::bad_message);
    for (int e = 1; e <= static_cast<int>(errc::unexpected_eof); ++e) {
        CHECK(std::error_code(e, weft::http::error_category()).message().find("unknown") ==
              std::string::npos);
    }
}
