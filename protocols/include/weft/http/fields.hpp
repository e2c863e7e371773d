#pragma once

// Owning header fields, for the server's Request/Response and the client.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http {

/// An ordered list of header fields that owns its text. Names compare ASCII
/// case-insensitively and keep the case they were added with; a name may appear more than
/// once (Set-Cookie). All the text lives in one string and the entries are offsets into it,
/// so clear() keeps both allocations: a Fields reused for each message of a connection
/// allocates nothing in steady state. Views returned are valid until the Fields changes.
class Fields {
public:
    struct Field {
        std::string_view name;
        std::string_view value;
    };

    /// Appends a field. Names and values are taken as given: the caller (a parser, or user
    /// code through Response) is responsible for their syntax; Response::set_header checks.
    void add(std::string_view name, std::string_view value);
    /// Replaces every field named `name` with one field (added at the end).
    void set(std::string_view name, std::string_view value);
    /// Removes every field named `name`; returns how many there were.
    std::size_t erase(std::string_view name);

    /// The value of the first field named `name`, or `fallback`.
    std::string_view get(std::string_view name, std::string_view fallback = {}) const noexcept;
    bool contains(std::string_view name) const noexcept;
    /// Whether a field named `name` has `token` in its comma-separated value
    /// (case-insensitive), e.g. has_token("Connection", "close").
    bool has_token(std::string_view name, std::string_view token) const noexcept;

    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    Field operator[](std::size_t i) const noexcept;
    /// Removes every field, keeping the memory.
    void clear() noexcept;

    class iterator {
    public:
        using value_type = Field;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        Field operator*() const noexcept { return (*f_)[i_]; }
        iterator& operator++() noexcept {
            ++i_;
            return *this;
        }
        iterator operator++(int) noexcept {
            auto old = *this;
            ++i_;
            return old;
        }
        friend bool operator==(const iterator&, const iterator&) = default;

    private:
        friend class Fields;
        iterator(const Fields* f, std::size_t i) : f_(f), i_(i) {}
        const Fields* f_ = nullptr;
        std::size_t i_ = 0;
    };
    iterator begin() const noexcept { return {this, 0}; }
    iterator end() const noexcept { return {this, entries_.size()}; }

private:
    struct Entry {
        std::uint32_t at;  // name starts at text_[at]; the value follows it
        std::uint32_t name_size;
        std::uint32_t value_size;
    };
    std::string text_;
    std::vector<Entry> entries_;
};

/// ASCII case-insensitive equality, as header names and tokens compare.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace weft::http
