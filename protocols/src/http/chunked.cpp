// The chunked decoder (RFC 9112 §7.1): framing bytes are consumed as they come (nothing is
// buffered), chunk data is handed out as views, and the trailer section is left to the
// section scanner (scan.cpp).
//
//   chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-size     = 1*HEXDIG
//   chunk-ext      = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
//   ext-val        = token / quoted-string            (parsed, checked, ignored)
//   last-chunk     = 1*"0" [ chunk-ext ] CRLF, then the trailer section
//
//   state            byte                          next
//   size             HEXDIG | ";" | SP HTAB | CR   size | ext_name_bws | ext_semi_bws | size_lf
//   ext_semi_bws     SP HTAB | ";"                 ext_semi_bws | ext_name_bws
//   ext_name_bws     SP HTAB | tchar               ext_name_bws | ext_name
//   ext_name         tchar | SP HTAB | "=" | ";" | CR
//                                                  ext_name | ext_after_name | ext_value_bws
//                                                  | ext_name_bws | size_lf
//   ext_after_name   SP HTAB | "=" | ";"           ext_after_name | ext_value_bws | ext_name_bws
//   ext_value_bws    SP HTAB | tchar | DQUOTE      ext_value_bws | ext_value | ext_quoted
//   ext_value        tchar | SP HTAB | ";" | CR    ext_value | ext_semi_bws | ext_name_bws
//                                                  | size_lf
//   ext_quoted       qdtext | "\" | DQUOTE         ext_quoted | ext_quoted_pair | ext_value_end
//   ext_quoted_pair  HTAB SP VCHAR obs-text        ext_quoted
//   ext_value_end    SP HTAB | ";" | CR            ext_semi_bws | ext_name_bws | size_lf
//   size_lf          LF                            data (size > 0) | the trailer section
//   data             (chunk-size bytes, as views)  data_cr
//   data_cr, data_lf CR, LF                        size
//
// Anything else is errc::bad_chunk. A size that would overflow 64 bits is bad_chunk at the
// digit that overflows; a size that takes the body past max_body is body_too_large when the
// size ends. A chunk-size line (extensions included) longer than max_chunk_line is bad_chunk.
#include <algorithm>

#include <weft/http/detail/message_parser.hpp>

#include "chars.hpp"

namespace weft::http::detail {

errc MessageParser::end_chunk_size() noexcept {
    if (chunk_digits_ == 0) {
        return errc::bad_chunk;
    }
    return chunk_size_ > limits_.max_body - body_total_ ? errc::body_too_large : errc{};
}

// The states after chunk-size and before CR: the extensions.
errc MessageParser::chunk_ext_step(unsigned char c) noexcept {
    const bool ws = is_ws(c);
    const Chunk s = chunk_;
    auto go = [this](Chunk next) {
        chunk_ = next;
        return errc{};
    };
    if (s == Chunk::ext_quoted) {
        return c == '"'        ? go(Chunk::ext_value_end)
               : c == '\\'     ? go(Chunk::ext_quoted_pair)
               : is(c, qdtext) ? errc{}
                               : errc::bad_chunk;
    }
    if (s == Chunk::ext_quoted_pair) {
        return is(c, field_vchar) || ws ? go(Chunk::ext_quoted) : errc::bad_chunk;
    }
    if (ws) {
        return s == Chunk::ext_name                                 ? go(Chunk::ext_after_name)
               : s == Chunk::ext_value || s == Chunk::ext_value_end ? go(Chunk::ext_semi_bws)
                                                                    : errc{};
    }
    const bool after_item = s == Chunk::ext_name || s == Chunk::ext_value ||
                            s == Chunk::ext_value_end || s == Chunk::ext_semi_bws ||
                            s == Chunk::ext_after_name;
    if (c == ';' && after_item) {
        return go(Chunk::ext_name_bws);
    }
    if (c == '\r' && (s == Chunk::ext_name || s == Chunk::ext_value || s == Chunk::ext_value_end)) {
        return go(Chunk::size_lf);
    }
    if (c == '=' && (s == Chunk::ext_name || s == Chunk::ext_after_name)) {
        return go(Chunk::ext_value_bws);
    }
    if (is(c, tchar) && (s == Chunk::ext_name_bws || s == Chunk::ext_name)) {
        return go(Chunk::ext_name);
    }
    if (s == Chunk::ext_value_bws && (is(c, tchar) || c == '"')) {
        return go(c == '"' ? Chunk::ext_quoted : Chunk::ext_value);
    }
    if (is(c, tchar) && s == Chunk::ext_value) {
        return {};
    }
    return errc::bad_chunk;
}

// One framing byte (every state but data).
errc MessageParser::chunk_step(unsigned char c) noexcept {
    switch (chunk_) {
        case Chunk::size_lf:
            if (c != '\n') {
                return errc::bad_chunk;
            }
            chunk_line_ = 0;
            body_total_ += chunk_size_;
            chunk_ = Chunk::data;
            return {};
        case Chunk::data_cr:
            chunk_ = Chunk::data_lf;
            return c == '\r' ? errc{} : errc::bad_chunk;
        case Chunk::data_lf:
            chunk_ = Chunk::size;
            chunk_size_ = 0;
            chunk_digits_ = 0;
            return c == '\n' ? errc{} : errc::bad_chunk;
        default:
            break;
    }
    if (++chunk_line_ > limits_.max_chunk_line && c != '\r') {
        return errc::bad_chunk;
    }
    if (chunk_ != Chunk::size) {
        return chunk_ext_step(c);
    }
    if (is(c, hexdig)) {
        if (chunk_size_ > (UINT64_MAX >> 4)) {
            return errc::bad_chunk;  // a 65th bit
        }
        chunk_size_ = chunk_size_ * 16 + static_cast<std::uint64_t>(hex_value(c));
        ++chunk_digits_;
        return {};
    }
    if (c != ';' && c != '\r' && !is_ws(c)) {
        return errc::bad_chunk;
    }
    chunk_ = c == ';' ? Chunk::ext_name_bws : is_ws(c) ? Chunk::ext_semi_bws : Chunk::size_lf;
    return end_chunk_size();
}

ParseResult MessageParser::parse_chunked(Bytes in) noexcept {
    std::size_t i = 0;
    while (i < in.size()) {
        if (chunk_ == Chunk::data) {
            const auto n =
                static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size_, in.size() - i));
            chunk_size_ -= n;
            if (chunk_size_ == 0) {
                chunk_ = Chunk::data_cr;
            }
            ParseResult r;
            r.status = ParseResult::Status::body;
            r.consumed = i + n;
            r.body = in.subspan(i, n);
            return r;
        }
        const bool last_chunk_ends = chunk_ == Chunk::size_lf && chunk_size_ == 0;
        if (const errc e = chunk_step(static_cast<unsigned char>(in[i++])); e != errc{}) {
            return fail(e);
        }
        if (last_chunk_ends) {
            phase_ = Phase::trailers;
            start_section();
            return parse_trailers(in, i);
        }
    }
    ParseResult r;
    r.consumed = in.size();  // framing bytes: nothing to keep
    return r;
}

}  // namespace weft::http::detail
