// chat_server [ADDRESS] [--threads N] [--backend epoll|io_uring|auto]
//
// A line-based chat room: each line a client sends goes to every other client. Try it with
// a few `nc 127.0.0.1 7001` terminals.
//
// Each client has a reader fiber (its session) and a writer fiber fed by a bounded queue.
// Broadcasting never blocks: a client whose queue is full has fallen too far behind, and is
// dropped (told so, if its socket will still take the words), so one slow reader never
// stalls the room.
#include <array>
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <weft/framing/io.hpp>
#include <weft/weft.hpp>

#include "example_options.hpp"

using namespace std::chrono_literals;
using Message = std::shared_ptr<const std::string>;

constexpr std::size_t max_queue = 256;  // messages a client may lag behind
constexpr std::size_t max_line = 1024;  // bytes per line
constexpr auto write_timeout = 10s;     // a client that takes no bytes for this long goes

struct Client {
    Client(weft::net::TcpStream s, std::string n) : stream(std::move(s)), name(std::move(n)) {}
    weft::net::TcpStream stream;
    std::string name;
    weft::Channel<Message> outbox{max_queue};
    std::atomic<bool> dropped{false};
};

class Room {
public:
    void join(const std::shared_ptr<Client>& c) {
        std::lock_guard lock{mutex_};
        clients_.push_back(c);
    }
    void leave(const Client* c) {
        std::lock_guard lock{mutex_};
        std::erase_if(clients_, [c](const auto& other) { return other.get() == c; });
    }
    // To everyone but `from`, without blocking: a full queue drops that client.
    void broadcast(const Client* from, std::string text) {
        auto msg = std::make_shared<const std::string>(std::move(text));
        std::lock_guard lock{mutex_};
        for (const auto& c : clients_) {
            std::error_code ec;
            if (c.get() != from && !c->outbox.try_push(msg, ec) && !ec) {
                c->dropped = true;  // its writer says goodbye and hangs up
                c->outbox.close();
            }
        }
    }

private:
    weft::Mutex mutex_;  // a fiber mutex: sessions on every worker share the room
    std::vector<std::shared_ptr<Client>> clients_;
};

// Sends queued messages, coalescing whatever is queued into one write. A client that takes
// no bytes for write_timeout is dropped like one whose queue overflowed.
void write_loop(Client& c) {
    weft::net::BufferedWriter out{c.stream, 16 * 1024};
    std::error_code ec;
    while (!c.dropped) {
        auto msg = c.outbox.pop(weft::Deadline::never(), ec);
        if (!msg) {
            break;  // closed and drained: the session has ended
        }
        c.stream.set_write_deadline(weft::Deadline::after(write_timeout));
        std::error_code more;
        for (; msg && !ec; msg = c.outbox.try_pop(more)) {
            out.write(weft::net::as_bytes(**msg), ec);
        }
        if (!ec) {
            out.flush(ec);
        }
        if (ec) {
            c.dropped = true;
        }
    }
    if (c.dropped) {
        // After a failed write the client may hold half a line: start a new one.
        const std::string_view bye = "\n* you fell too far behind; disconnected\n";
        c.stream.set_write_deadline(weft::Deadline::after(1s));
        c.stream.write_all(weft::net::as_bytes(ec ? bye : bye.substr(1)), ec);
        c.stream.close();  // wakes the session, parked in a read
    } else {
        c.stream.shutdown(weft::net::Shutdown::write, ec);  // EOF after what was sent
    }
}

void session(Room& room, weft::net::BufferPool& pool, weft::net::TcpStream stream, int id) {
    auto me = std::make_shared<Client>(std::move(stream), "user" + std::to_string(id));
    auto writer = weft::spawn([me] { write_loop(*me); });
    room.join(me);
    std::error_code ec;
    me->outbox.try_push(std::make_shared<const std::string>("* welcome, " + me->name + "\n"), ec);
    room.broadcast(me.get(), "* " + me->name + " joined\n");

    weft::net::BufferedReader in{me->stream, pool};
    weft::framing::LineParser lines{{.max_length = max_line}};
    while (auto line = weft::framing::read_line(in, lines, ec)) {
        if (*line == "/quit") {
            break;
        }
        room.broadcast(me.get(), me->name + ": " + std::string{*line} + "\n");
    }
    if (ec == weft::framing::errc::line_too_long || ec == weft::errc::pool_exhausted) {
        me->outbox.try_push(std::make_shared<const std::string>("* " + ec.message() + "\n"), ec);
    }
    room.leave(me.get());
    me->outbox.close();  // the writer sends what is queued, then shuts down its side
    writer.join();
    // Linger (at most 2 s and 64 KiB): closing with unread input (the rest of an overlong
    // line) would reset the connection before the client has read our last words.
    me->stream.set_read_deadline(weft::Deadline::after(2s));
    std::array<std::byte, 4096> sink;
    for (std::size_t n = 0, total = 0; total < 64 * 1024; total += n) {
        if (n = me->stream.read_some(sink, ec); n == 0) {
            break;
        }
    }
    room.broadcast(nullptr, "* " + me->name + (me->dropped ? " was dropped\n" : " left\n"));
}

int main(int argc, char* argv[]) {
    try {
        examples::Options opt = examples::parse_options(argc, argv, "127.0.0.1:7001");
        // Made before the Runtime, so they outlive every session it runs.
        weft::net::BufferPool pool{{.buffer_size = 4096, .max_slabs = 64}};  // 4 KiB reads
        Room room;
        weft::Runtime runtime{opt.runtime};
        return runtime.run([&] {
            // The accept loop (backing off while out of fds or memory) is TcpServer's.
            auto server = weft::net::TcpServer::bind(opt.address);
            std::printf("chat_server: listening on %s\n",
                        server.local_endpoint().to_string().c_str());
            std::fflush(stdout);
            std::atomic<int> ids{0};
            server.serve(
                [&](weft::net::TcpStream conn) { session(room, pool, std::move(conn), ++ids); });
            return 0;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat_server: %s\n", e.what());
        return 1;
    }
}
