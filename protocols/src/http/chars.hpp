#pragma once

// Character classes of RFC 9110 / 9112 / 3986 as 256-entry tables (private to weft_parsers).
#include <array>
#include <cstddef>
#include <string_view>

namespace weft::http::detail {

enum CharClass : unsigned char {
    tchar = 1,        // token: "!#$%&'*+-.^_`|~" DIGIT ALPHA (RFC 9110 §5.6.2)
    field_vchar = 2,  // VCHAR / obs-text: a field value's non-whitespace bytes (§5.5)
    target = 4,       // RFC 3986 unreserved / sub-delims / ":" "/" "?" "@" "[" "]" "%" (no "#")
    host = 8,         // unreserved / sub-delims / ":" "[" "]" "%" (Host values, §7.2)
    qdtext = 16,      // quoted-string content: HTAB SP 0x21 0x23-0x5B 0x5D-0x7E obs-text
    hexdig = 32,
};

constexpr bool alpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool digit(int c) {
    return c >= '0' && c <= '9';
}

constexpr std::array<unsigned char, 256> make_classes() {
    std::array<unsigned char, 256> t{};
    constexpr std::string_view token_marks = "!#$%&'*+-.^_`|~";
    constexpr std::string_view unreserved_marks = "-._~";
    constexpr std::string_view sub_delims = "!$&'()*+,;=";
    for (int c = 0; c < 256; ++c) {
        unsigned char k = 0;
        const bool alnum = alpha(c) || digit(c);
        const auto in = [c](std::string_view set) {
            return set.find(static_cast<char>(c)) != std::string_view::npos;
        };
        const bool unreserved = alnum || in(unreserved_marks);
        if (alnum || in(token_marks)) {
            k |= tchar;
        }
        if ((c >= 0x21 && c <= 0x7e) || c >= 0x80) {
            k |= field_vchar;
        }
        if (unreserved || in(sub_delims) || in(":/?@[]%")) {
            k |= target;
        }
        if (unreserved || in(sub_delims) || in(":[]%")) {
            k |= host;
        }
        if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
            (c >= 0x5d && c <= 0x7e) || c >= 0x80) {
            k |= qdtext;
        }
        if (digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
            k |= hexdig;
        }
        t[static_cast<std::size_t>(c)] = k;
    }
    return t;
}

inline constexpr std::array<unsigned char, 256> char_classes = make_classes();

constexpr bool is(unsigned char c, CharClass k) {
    return (char_classes[c] & k) != 0;
}
constexpr bool is_ws(unsigned char c) {
    return c == ' ' || c == '\t';
}

constexpr int hex_value(unsigned char c) {
    return digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;  // callers check hexdig first
}

/// A token (RFC 9110 §5.6.2): method names, field names, codings.
constexpr bool is_token(std::string_view s) {
    for (char c : s) {
        if (!is(static_cast<unsigned char>(c), tchar)) {
            return false;
        }
    }
    return !s.empty();
}

/// A field value a sender may write: no CR, LF or NUL, which would end the field early and
/// let the rest pose as another header (header injection).
constexpr bool is_field_value(std::string_view s) {
    return s.find_first_of(std::string_view{"\r\n\0", 3}) == std::string_view::npos;
}

/// ASCII case-insensitive equality (field names, codings, connection options).
constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (x != y && ((x | 0x20) != (y | 0x20) || !alpha(x))) {
            return false;
        }
    }
    return true;
}

}  // namespace weft::http::detail
