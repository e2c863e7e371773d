#include "integrity_connection.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "server_process.hpp"

using namespace std::chrono_literals;

namespace weft::stress {

void Run::fail(const std::string& what) {
    if (failed.exchange(true)) {
        return;  // the first failure is being reported; the process is about to exit
    }
    std::string server_note;
    if (server != nullptr) {
        if (std::string why = server->exit_reason_within(500); !why.empty()) {
            server_note = "; the server " + why;
        }
        server->kill_now();
    }
    std::fprintf(stderr, "echo_integrity: FAILED: %s%s\n", what.c_str(), server_note.c_str());
    std::fflush(stderr);
    std::_Exit(1);
}

Connection::Connection(Run& run, std::uint64_t id)
    : run_(run), stream_(run.opt.stream, id), total_(stream_.total_bytes()) {}

void Connection::connect() {
    std::error_code ec;
    conn_ = net::TcpStream::connect(run_.endpoint, Deadline::after(60s), ec);
    if (!ec) {
        conn_.set_nodelay(true, ec);  // so that pieces leave as separate segments
    }
    run_.progress.fetch_add(1, std::memory_order_relaxed);  // a connect is progress too
    if (ec) {
        run_.fail("connection " + std::to_string(stream_.id()) + ": connect to " +
                  run_.endpoint.to_string() + ": " + ec.message());
    }
}

void Connection::start() {
    writer_ = spawn([this] { write_messages(); });
    reader_ = spawn([this] { read_and_verify(); });
}

void Connection::join() {
    writer_.join();
    reader_.join();
}

void Connection::write_messages() {
    run_.start_gate->wait();
    std::vector<std::byte> buf(run_.opt.stream.max_size);
    Rng sizes = stream_.size_rng();
    Rng splits = stream_.split_rng();
    std::uint64_t offset = 0;
    for (std::size_t m = 0; m < run_.opt.stream.messages; ++m) {
        const std::size_t size = stream_.next_size(sizes);
        const std::span<std::byte> message{buf.data(), size};
        stream_.fill(offset, message);
        // Cut points: piece p takes 1 .. (what is left - one byte for each later piece).
        std::size_t pieces = splits.between(1, std::min(run_.opt.max_pieces, size));
        for (std::size_t at = 0; at < size; --pieces) {
            const std::size_t len =
                pieces == 1 ? size - at : splits.between(1, size - at - pieces + 1);
            write_piece(message.subspan(at, len), offset + at);
            at += len;
            if (splits.next() % 4 == 0) {
                this_fiber::yield();  // let other connections' pieces interleave with ours
            }
        }
        offset += size;
    }
    std::error_code ec;
    conn_.shutdown(net::Shutdown::write, ec);
    if (ec) {
        run_.fail(where(offset) + "shutdown(write): " + ec.message());
    }
}

// Sends `piece` (bytes [offset, offset + size) of the stream), damaged on purpose if the
// --fault byte is in it.
void Connection::write_piece(std::span<std::byte> piece, std::uint64_t offset) {
    const Fault& f = run_.opt.fault;
    if (f.kind == FaultKind::none || f.conn != stream_.id() || f.offset < offset ||
        f.offset >= offset + piece.size()) {
        send(piece);
        return;
    }
    const std::size_t k = f.offset - offset;
    std::fprintf(stderr, "echo_integrity: injecting the fault at connection %llu byte %llu\n",
                 static_cast<unsigned long long>(f.conn),
                 static_cast<unsigned long long>(f.offset));
    switch (f.kind) {
        case FaultKind::corrupt:
            piece[k] ^= std::byte{0xff};
            send(piece);
            break;
        case FaultKind::drop:
            send(piece.first(k));
            send(piece.subspan(k + 1));
            break;
        case FaultKind::duplicate:
            send(piece.first(k + 1));
            send(piece.subspan(k));
            break;
        case FaultKind::none:
            break;
    }
}

void Connection::send(std::span<const std::byte> bytes) {
    if (bytes.empty()) {
        return;
    }
    std::error_code ec;
    conn_.write_all({bytes.data(), bytes.size()}, ec);
    if (ec) {
        run_.fail(where(written_.load()) + "write: " + ec.message());
        return;
    }
    written_.fetch_add(bytes.size(), std::memory_order_relaxed);
    run_.progress.fetch_add(bytes.size(), std::memory_order_relaxed);
}

void Connection::read_and_verify() {
    const std::size_t max_read = 16384;
    std::vector<std::byte> got(max_read);
    std::vector<std::byte> want(max_read);
    Rng reads = stream_.read_rng();
    std::uint64_t offset = 0;
    while (offset < total_) {
        const std::size_t ask = static_cast<std::size_t>(
            std::min<std::uint64_t>(reads.between(1, max_read), total_ - offset));
        std::error_code ec;
        const std::size_t n = conn_.read_some({got.data(), ask}, ec);
        if (ec || n == 0) {
            run_.fail(where(offset) + (ec ? "read: " + ec.message()
                                          : "EOF with " + std::to_string(total_ - offset) +
                                                " bytes still expected (lost bytes)"));
            return;
        }
        check({got.data(), n}, {want.data(), n}, offset);
        offset += n;
        verified_.store(offset, std::memory_order_relaxed);
        run_.progress.fetch_add(n, std::memory_order_relaxed);
    }
    expect_eof();
}

void Connection::check(std::span<const std::byte> got, std::span<std::byte> want,
                       std::uint64_t offset) {
    stream_.fill(offset, want);
    if (std::memcmp(got.data(), want.data(), got.size()) == 0) {
        return;
    }
    const auto [g, w] = std::mismatch(got.begin(), got.end(), want.begin());
    const std::size_t i = static_cast<std::size_t>(g - got.begin());
    char bytes[64];
    std::snprintf(bytes, sizeof bytes, "got 0x%02x, expected 0x%02x (corrupted, lost, ",
                  static_cast<unsigned>(*g), static_cast<unsigned>(*w));
    run_.fail(where(offset + i) + "mismatch: " + bytes + "duplicated or reordered bytes)");
}

// After the last expected byte: EOF, once the server has echoed our shutdown.
void Connection::expect_eof() {
    std::byte extra[256];
    std::error_code ec;
    const std::size_t n = conn_.read_some(extra, ec);
    if (ec || n > 0) {
        run_.fail(where(total_) +
                  (ec ? "read at the end: " + ec.message()
                      : std::to_string(n) + " bytes after the end of the stream (duplicated "
                                            "bytes)"));
        return;
    }
    eof_.store(true);
    conn_.close();
    run_.finished.fetch_add(1, std::memory_order_relaxed);
}

// "connection 17, byte 123456 (message 12, byte 345 of 9000): "
std::string Connection::where(std::uint64_t offset) const {
    const auto [message, in_message] = stream_.locate(offset);
    std::string s = "connection " + std::to_string(stream_.id()) + ", byte " +
                    std::to_string(offset) + " of " + std::to_string(total_);
    if (message < run_.opt.stream.messages) {
        s += " (message " + std::to_string(message) + ", its byte " + std::to_string(in_message) +
             ")";
    }
    return s + ": ";
}

std::string Connection::describe_progress() const {
    return "connection " + std::to_string(stream_.id()) + ": written " +
           std::to_string(written_.load()) + ", verified " + std::to_string(verified_.load()) +
           " of " + std::to_string(total_) + (eof_.load() ? ", EOF seen" : "");
}

}  // namespace weft::stress
