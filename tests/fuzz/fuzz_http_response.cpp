// libFuzzer target for http::ResponseParser. Input: [limits byte][chunking seed]
// [request method: 0 GET, 1 HEAD, 2 CONNECT (mod 3)][stream...]. Same checks as
// fuzz_http_request, plus: a response to HEAD, or a 1xx/204/304, never has body bytes.
#include <cstddef>
#include <cstdint>

#include <weft/http/parser.hpp>

#include "http_fuzz_driver.hpp"

using namespace weft::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) {
        return 0;
    }
    const weft::http::Limits limits = fuzz_limits(data[0]);
    const char* methods[] = {"GET", "HEAD", "CONNECT"};
    const char* method = methods[data[2] % 3];
    const Bytes stream = std::as_bytes(std::span{data + 3, size - 3});
    auto make = [&] {
        weft::http::ResponseParser p{limits};
        p.set_request_method(method);
        return p;
    };
    check_http_chunkings(make, stream, data[1]);
    return 0;
}
