#include "api/unix_server.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include <fmt/core.h>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/router.h"

namespace berth::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Socket = asio::local::stream_protocol::socket;

namespace {

constexpr const char* kServerHeader = "berth/0.1.0 (linux)";
// Request bodies held in memory (JSON configs); image loads will stream.
constexpr uint64_t kMaxBody = uint64_t{64} << 20;

template <class Res>
void CommonHeaders(Res& res) {
  res.set(http::field::server, kServerHeader);
  res.set("Api-Version", kMaxApiVersion);
  res.set("Docker-Experimental", "false");
  res.set("Ostype", "linux");
}

class BeastResponder : public HttpResponder {
 public:
  BeastResponder(Socket& sock, beast::flat_buffer& buf, unsigned version, bool keep_alive,
                 bool head)
      : sock_(sock), buf_(buf), version_(version), keep_alive_(keep_alive), head_(head) {}

  bool ClientGone() override {
    pollfd p{sock_.native_handle(), POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }

  Result<int> Hijack(std::string_view content_type, const HttpRequest& req,
                     std::string* buffered) override {
    if (started_) return Fail("response already started");
    started_ = hijacked_ = true;
    bool upgrade = req.Header("upgrade") == "tcp";
    std::string head = upgrade ? "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                               : "HTTP/1.1 200 OK\r\n";
    head += fmt::format("Content-Type: {}\r\nApi-Version: {}\r\nServer: {}\r\n\r\n", content_type,
                        kMaxApiVersion, kServerHeader);
    beast::error_code ec;
    asio::write(sock_, asio::buffer(head), ec);
    if (ec) {
      broken_ = true;
      return FailCode(ec.value(), "hijack: {}", ec.message());
    }
    auto data = buf_.data();
    buffered->assign(static_cast<const char*>(data.data()), data.size());
    buf_.consume(data.size());
    return sock_.native_handle();
  }
  bool hijacked() const { return hijacked_; }

  void Send(int status, std::string_view content_type, std::string body) override {
    if (started_) return;
    started_ = true;
    http::response<http::string_body> res;
    res.version(version_);
    res.result(static_cast<unsigned>(status));
    CommonHeaders(res);
    if (!content_type.empty()) res.set(http::field::content_type, content_type);
    for (const auto& [k, v] : extra_headers_) res.set(k, v);
    res.keep_alive(keep_alive_);
    size_t len = body.size();
    if (!head_) res.body() = std::move(body);
    res.prepare_payload();
    if (head_ && status != 204 && status != 304) res.content_length(len);
    beast::error_code ec;
    if (head_) {
      http::response_serializer<http::string_body> sr{res};
      http::write_header(sock_, sr, ec);
    } else {
      http::write(sock_, res, ec);
    }
    broken_ = static_cast<bool>(ec);
  }

  void StartStream(int status, std::string_view content_type) override {
    if (started_) return;
    started_ = streaming_ = true;
    http::response<http::empty_body> res;
    res.version(version_);
    res.result(static_cast<unsigned>(status));
    CommonHeaders(res);
    res.set(http::field::content_type, content_type);
    for (const auto& [k, v] : extra_headers_) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(sock_, sr, ec);
    broken_ = static_cast<bool>(ec);
  }

  bool Write(std::string_view data) override {
    if (!streaming_ || broken_) return false;
    if (data.empty()) return true;
    beast::error_code ec;
    asio::write(sock_, http::make_chunk(asio::buffer(data.data(), data.size())), ec);
    broken_ = static_cast<bool>(ec);
    return !broken_;
  }

  void EndStream() override {
    if (!streaming_ || broken_) return;
    beast::error_code ec;
    asio::write(sock_, http::make_chunk_last(), ec);
    broken_ = static_cast<bool>(ec);
    streaming_ = false;
  }

  bool started() const override { return started_; }
  bool broken() const { return broken_; }

 private:
  Socket& sock_;
  beast::flat_buffer& buf_;
  unsigned version_;
  bool keep_alive_, head_;
  bool started_ = false, streaming_ = false, broken_ = false, hijacked_ = false;
};

void ServeConnection(Socket sock, const Router& router) {
  beast::flat_buffer buf;
  // beast reads as much as the buffer has room for (up to 64 KiB): from an
  // empty buffer that is 512 bytes, which made a 100 MB upload (docker cp
  // into a container, load, import) some 200,000 reads.
  buf.reserve(size_t{1} << 17);
  for (;;) {
    http::request_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    beast::error_code ec;
    http::read_header(sock, buf, parser, ec);
    if (ec) return;
    auto& msg = parser.get();
    HttpRequest req;
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(f.value());
    }
    // Reads the next piece of the body into `p`; 0 at its end.
    auto read_body = [&](char* p, size_t n) -> Result<size_t> {
      if (parser.is_done()) return size_t{0};
      msg.body().data = p;
      msg.body().size = n;
      beast::error_code rec;
      http::read(sock, buf, parser, rec);
      if (rec == http::error::need_buffer) rec = {};
      if (rec) return Fail("request body: {}", rec.message());
      return n - msg.body().size;
    };
    auto length = parser.content_length();
    if (!msg.chunked() && (!length || *length <= kMaxBody)) {
      char chunk[65536];
      while (!parser.is_done()) {
        auto n = read_body(chunk, sizeof chunk);
        if (!n) return;
        req.body.append(chunk, *n);
      }
    } else {
      req.body_reader = read_body;
    }
    std::string method(msg.method_string());
    BeastResponder out(sock, buf, msg.version(), msg.keep_alive(), method == "HEAD");
    router.Dispatch(method, std::string(msg.target()), std::move(req), out);
    if (out.hijacked()) break;  // the stream is over; the connection with it
    if (!out.started()) out.SendError(500, "no response");
    out.EndStream();
    // A body the route left unread makes the connection unusable.
    if (out.broken() || !msg.keep_alive() || !parser.is_done()) break;
  }
  beast::error_code ec;
  sock.shutdown(Socket::shutdown_send, ec);
}

// True when a live process accepts on `path`.
bool SomeoneListens(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  path.copy(sa.sun_path, sizeof sa.sun_path - 1);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return live;
}

}  // namespace

struct UnixServer::Impl {
  asio::io_context io;
  asio::local::stream_protocol::acceptor acceptor{io};
  const Router* router = nullptr;
  std::string path;
  std::atomic<bool> stopping{false};
};

UnixServer::UnixServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UnixServer::~UnixServer() {
  Stop();
  ::unlink(impl_->path.c_str());
}

Result<std::unique_ptr<UnixServer>> UnixServer::Listen(const std::string& path,
                                                       const Router& router) {
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) return Fail("socket {}: path too long", path);
  if (SomeoneListens(path)) return Fail("socket {}: another daemon is listening on it", path);
  ::unlink(path.c_str());
  auto impl = std::make_unique<Impl>();
  impl->router = &router;
  impl->path = path;
  beast::error_code ec;
  impl->acceptor.open(asio::local::stream_protocol(), ec);
  // Created with no access for others, then opened to the group: never a
  // window where anyone could connect.
  mode_t old = ::umask(0177);
  if (!ec) impl->acceptor.bind(asio::local::stream_protocol::endpoint(path), ec);
  ::umask(old);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return FailCode(ec.value(), "socket {}: {}", path, ec.message());
  gid_t gid = 0;
  if (const group* g = ::getgrnam("berth")) gid = g->gr_gid;
  if (::chown(path.c_str(), 0, gid) != 0 || ::chmod(path.c_str(), 0660) != 0) {
    auto e = FailErrno("socket {}: set owner and mode", path);
    ::unlink(path.c_str());
    return e;
  }
  return std::unique_ptr<UnixServer>(new UnixServer(std::move(impl)));
}

void UnixServer::Serve() {
  while (!impl_->stopping) {
    Socket sock(impl_->io);
    beast::error_code ec;
    impl_->acceptor.accept(sock, ec);
    if (ec) {
      if (impl_->stopping) break;
      if (ec == asio::error::interrupted || ec == asio::error::connection_aborted) continue;
      // EMFILE and the like: back off rather than spin.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    // Not inherited by the programs berthd runs (berth-shim, ps).
    ::fcntl(sock.native_handle(), F_SETFD, FD_CLOEXEC);
    std::thread(ServeConnection, std::move(sock), std::cref(*impl_->router)).detach();
  }
}

void UnixServer::Stop() {
  if (impl_->stopping.exchange(true)) return;
  // shutdown(2) wakes the thread blocked in accept.
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
}

}  // namespace berth::api
