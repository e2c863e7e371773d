#include <algorithm>
#include <stdexcept>

#include <weft/http/fields.hpp>

#include "chars.hpp"

namespace weft::http {

namespace {

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    return detail::iequals(a, b);
}

void Fields::add(std::string_view name, std::string_view value) {
    if (text_.size() + name.size() + value.size() > UINT32_MAX) {
        throw std::length_error("weft::http::Fields: more than 4 GiB of header text");
    }
    entries_.push_back({static_cast<std::uint32_t>(text_.size()),
                        static_cast<std::uint32_t>(name.size()),
                        static_cast<std::uint32_t>(value.size())});
    text_.append(name);
    text_.append(value);
}

void Fields::set(std::string_view name, std::string_view value) {
    erase(name);
    add(name, value);
}

std::size_t Fields::erase(std::string_view name) {
    // The text of removed fields stays in text_ until clear(): erasing is rare (a handler
    // replacing a header), and compacting would cost more than the bytes are worth.
    auto removed = std::erase_if(entries_, [&](const Entry& e) {
        return iequals({text_.data() + e.at, e.name_size}, name);
    });
    return removed;
}

Fields::Field Fields::operator[](std::size_t i) const noexcept {
    const Entry& e = entries_[i];
    return {{text_.data() + e.at, e.name_size}, {text_.data() + e.at + e.name_size, e.value_size}};
}

std::string_view Fields::get(std::string_view name, std::string_view fallback) const noexcept {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        Field f = (*this)[i];
        if (iequals(f.name, name)) {
            return f.value;
        }
    }
    return fallback;
}

bool Fields::contains(std::string_view name) const noexcept {
    return std::any_of(begin(), end(), [&](Field f) { return iequals(f.name, name); });
}

bool Fields::has_token(std::string_view name, std::string_view token) const noexcept {
    for (Field f : *this) {
        if (!iequals(f.name, name)) {
            continue;
        }
        std::string_view v = f.value;
        while (!v.empty()) {
            auto comma = v.find(',');
            if (iequals(trim(v.substr(0, comma)), token)) {
                return true;
            }
            v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
        }
    }
    return false;
}

void Fields::clear() noexcept {
    text_.clear();
    entries_.clear();
}

}  // namespace weft::http
