// examples/chat_server, run as a child process and driven over loopback by weft clients:
// lines reach every other client; a client that stops reading is dropped (and told) while
// the others go on receiving everything; an overlong line ends only that connection.
#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/framing/io.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::as_bytes;

namespace {

// The chat server in a child process, killed (and reaped) by the destructor.
class ChatServer {
public:
    ChatServer() {
        int out[2];
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        std::string backend{weft::to_string(
            weft::test::runtime_options().backend.value_or(weft::BackendKind::automatic))};
        pid_ = weft::test::spawn_child(
            {CHAT_SERVER_PATH, "127.0.0.1:0", "--threads", "2", "--backend", backend}, out[1]);
        ::close(out[1]);
        REQUIRE(pid_ > 0);
        // "chat_server: listening on 127.0.0.1:PORT\n": read it whole (a short blocking read
        // of a pipe; the server prints it once it listens).
        std::string line;
        char c;
        while (line.find('\n') == std::string::npos && ::read(out[0], &c, 1) == 1) {
            line += c;
        }
        ::close(out[0]);
        const auto colon = line.rfind(':');
        REQUIRE(colon != std::string::npos);
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
    }
    ~ChatServer() {
        ::kill(pid_, SIGTERM);
        weft::test::reap_child(pid_);
    }
    weft::net::Endpoint endpoint() const { return weft::net::Endpoint::loopback_v4(port_); }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

// A chat client: a stream and a line reader over it.
struct Client {
    // Returns once the server has put the client in the room (its welcome line).
    explicit Client(const weft::net::Endpoint& at) {
        stream = weft::net::TcpStream::connect(at, weft::Deadline::after(10s));
        stream.set_read_deadline(weft::Deadline::after(60s));  // a hang fails, not blocks
        REQUIRE(line().value_or("").starts_with("* welcome, user"));
    }
    std::optional<std::string> line() { return weft::framing::read_line_copy(reader, parser); }
    // Lines until one starts with `prefix` (which is returned); nullopt at EOF.
    std::optional<std::string> until(std::string_view prefix) {
        while (auto l = line()) {
            if (l->starts_with(prefix)) {
                return l;
            }
        }
        return std::nullopt;
    }
    void say(const std::string& text) { stream.write_all(as_bytes(text + "\n")); }

    weft::net::TcpStream stream;
    weft::net::BufferedReader reader{stream};
    weft::framing::LineParser parser{{.max_length = 4096}};
};

// /proc/sys/net/ipv4/tcp_[rw]mem: "min default max" bytes of a socket buffer.
struct SocketBufferSizes {
    std::size_t min = 4096, def = 131072, max = 8 << 20;
};
SocketBufferSizes socket_buffer_sizes(const char* path) {
    SocketBufferSizes s;
    std::ifstream f{path};
    f >> s.min >> s.def >> s.max;
    return s;
}

}  // namespace

TEST_CASE("chat_server: lines go to every other client", "[examples][chat]") {
    ChatServer server;
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([&] {
        Client a{server.endpoint()};
        Client b{server.endpoint()};
        CHECK(a.until("* ").value_or("").ends_with(" joined"));  // b joined
        Client c{server.endpoint()};
        CHECK(a.until("* ").value_or("").ends_with(" joined"));  // c joined
        CHECK(b.until("* ").value_or("").ends_with(" joined"));
        a.say("hello, room");
        CHECK(b.until("user").value_or("").ends_with(": hello, room"));
        CHECK(c.until("user").value_or("").ends_with(": hello, room"));
        c.say("/quit");
        CHECK(!c.line());  // the server ended c's connection
        c.stream.close();
        CHECK(a.until("* ").value_or("").ends_with(" left"));
    });
}

TEST_CASE("chat_server: a client that stops reading is dropped, the others get everything",
          "[examples][chat]") {
    ChatServer server;
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([&] {
        Client talker{server.endpoint()};
        Client listener{server.endpoint()};
        (void)talker.until("* ");
        Client stalled{server.endpoint()};  // reads nothing until the talk is over
        (void)talker.until("* ");
        (void)listener.until("* ");

        // Enough bytes to fill the stalled client's socket buffers (both ends) and its queue
        // twice over: the server's send buffer grows to tcp_wmem's max; the receive buffer of
        // a client that reads nothing stays near tcp_rmem's default (autotuning follows the
        // reader). (Shrinking SO_RCVBUF instead would be quicker, but after connect it stalls
        // the connection in the kernel: the window already advertised stays.)
        const std::string text(1000, 'x');
        const std::size_t buffers = socket_buffer_sizes("/proc/sys/net/ipv4/tcp_wmem").max +
                                    2 * socket_buffer_sizes("/proc/sys/net/ipv4/tcp_rmem").def;
        const std::size_t lines = 2 * (buffers + (1 << 20)) / text.size();
        std::atomic<std::size_t> heard{0};
        std::atomic<bool> deaf{false};  // the listener stopped early (EOF or error)
        // The server drops the stalled client as soon as its queue overflows, which is
        // usually before the talk ends: the listener may hear "was dropped" among the lines.
        std::atomic<bool> heard_drop{false};
        auto ear = weft::spawn([&] {
            std::error_code ec;
            while (heard < lines) {
                auto l = weft::framing::read_line(listener.reader, listener.parser, ec);
                if (!l) {
                    deaf = true;
                    return;
                }
                if (l->ends_with(text)) {
                    ++heard;
                } else if (l->starts_with("* ") && l->ends_with(" was dropped")) {
                    heard_drop = true;
                }
            }
        });
        for (std::size_t i = 0; i < lines && !deaf; ++i) {
            talker.say(text);
            while (i >= heard + 100 && !deaf) {  // keep the listener within its queue
                weft::this_fiber::yield();
            }
        }
        ear.join();
        REQUIRE(!deaf);
        CHECK(heard == lines);  // the listener lost nothing

        // The stalled client now reads: what was queued, the goodbye, then EOF.
        std::optional<std::string> last;
        std::size_t got = 0;
        std::error_code ec;
        while (auto l = weft::framing::read_line(stalled.reader, stalled.parser, ec)) {
            ++got;
            last = std::string{*l};
        }
        INFO("stalled client: '" << ec.message() << "' after " << got << " of " << lines);
        CHECK(!ec);
        CHECK(got < lines);
        CHECK(last.value_or("") == "* you fell too far behind; disconnected");
        if (!heard_drop) {
            CHECK(listener.until("* ").value_or("").ends_with(" was dropped"));
        }
    });
}

TEST_CASE("chat_server: an overlong line ends that connection only", "[examples][chat]") {
    ChatServer server;
    weft::Runtime rt{weft::test::runtime_options(1)};
    rt.run([&] {
        Client good{server.endpoint()};
        Client bad{server.endpoint()};
        (void)good.until("* ");
        bad.say(std::string(5000, 'y'));
        CHECK(bad.until("* ").value_or("").find("too long") != std::string::npos);
        CHECK(!bad.line());
        bad.stream.close();
        CHECK(good.until("* ").value_or("").ends_with(" left"));
        Client other{server.endpoint()};  // the server goes on
        (void)good.until("* ");
        good.say("hi");
        CHECK(other.until("user").value_or("").ends_with(": hi"));
    });
}
