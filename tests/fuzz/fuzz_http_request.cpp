// libFuzzer target for http::RequestParser. Input: [limits byte][chunking seed][stream...].
// Checks the contract on every result (views inside the input, consumed <= input, heads
// within max_head_size, field names and values well-formed, body sizes within the limit and
// equal to Content-Length), and that whole / chunked / byte-by-byte runs agree.
#include <cstddef>
#include <cstdint>

#include <weft/http/parser.hpp>

#include "http_fuzz_driver.hpp"

using namespace weft::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const weft::http::Limits limits = fuzz_limits(data[0]);
    const Bytes stream = std::as_bytes(std::span{data + 2, size - 2});
    check_http_chunkings([&] { return weft::http::RequestParser{limits}; }, stream, data[1]);
    return 0;
}
