#include "image/registry_http.h"

#include <curl/curl.h>

#include <cerrno>
#include <mutex>
#include <optional>

namespace berth::image::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Idle easy handles, kept so that their connection caches survive between
// requests: a pull makes dozens of requests to one or two hosts.
class HandlePool {
 public:
  HandlePool() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  CURL* Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }
  void Give(CURL* h) {
    curl_easy_reset(h);  // keeps live connections and the DNS cache
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

 private:
  static constexpr size_t kMaxIdle = 16;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

HandlePool& Pool() {
  // Never destroyed: handles may be in use by threads still running at exit.
  static HandlePool* pool = new HandlePool;
  return *pool;
}

// The state of one exchange, shared with curl's callbacks.
struct Exchange {
  const Request& req;
  CURL* handle;
  Response resp;
  std::optional<Error> error;  // the sink's, reader's or size limit's
  int64_t body_size = 0;
  int64_t read_offset = 0;

  static size_t OnHeader(char* data, size_t size, size_t n, void* self) {
    auto* x = static_cast<Exchange*>(self);
    std::string_view line(data, size * n);
    if (line.starts_with("HTTP/")) {
      x->resp.headers.clear();  // a new response (after 100 Continue, say)
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
      x->resp.headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                   std::string(Trim(line.substr(colon + 1))));
    }
    return size * n;
  }

  static size_t OnBody(char* data, size_t size, size_t n, void* self) {
    auto* x = static_cast<Exchange*>(self);
    std::string_view chunk(data, size * n);
    long code = 0;
    curl_easy_getinfo(x->handle, CURLINFO_RESPONSE_CODE, &code);
    if (x->req.sink && code >= 200 && code < 300) {
      if (auto st = x->req.sink(code, chunk); !st) {
        x->error = std::move(st).error();
        return 0;  // aborts the transfer
      }
      return chunk.size();
    }
    if (x->resp.body.size() + chunk.size() > x->req.max_body) {
      x->error = Error(EFBIG, fmt::format("{} {}: response larger than {} bytes", x->req.method,
                                          x->req.url, x->req.max_body));
      return 0;
    }
    x->resp.body.append(chunk);
    return chunk.size();
  }

  static size_t OnRead(char* buf, size_t size, size_t n, void* self) {
    auto* x = static_cast<Exchange*>(self);
    size_t want = size * n;
    int64_t left = x->body_size - x->read_offset;
    if (left <= 0) return 0;
    if (static_cast<int64_t>(want) > left) want = static_cast<size_t>(left);
    size_t got = 0;
    if (x->req.reader) {
      auto r = x->req.reader(x->read_offset, buf, want);
      if (!r) {
        x->error = std::move(r).error();
        return CURL_READFUNC_ABORT;
      }
      got = *r;
      if (got == 0) {
        x->error = Error(EIO, fmt::format("{} {}: request body ended at {} of {} bytes",
                                          x->req.method, x->req.url, x->read_offset, x->body_size));
        return CURL_READFUNC_ABORT;
      }
    } else {
      got = x->req.body.copy(buf, want, static_cast<size_t>(x->read_offset));
    }
    x->read_offset += static_cast<int64_t>(got);
    return got;
  }

  // curl may rewind the body (e.g. when a kept-alive connection turns out
  // closed and it resends); the reader is positional, so that is free.
  static int OnSeek(void* self, curl_off_t offset, int origin) {
    auto* x = static_cast<Exchange*>(self);
    if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
    x->read_offset = offset;
    return CURL_SEEKFUNC_OK;
  }
};

// Transport failures become errnos, so that callers can tell a refused
// connection (retry) from a bad certificate (don't).
int ErrnoFor(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
      return ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
      return ETIMEDOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return ECONNRESET;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return EHOSTUNREACH;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return EPROTO;
    default:
      return EIO;
  }
}

}  // namespace

std::string Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

std::vector<std::string> Response::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (k == name) out.push_back(v);
  return out;
}

Result<Response> Perform(const Request& req) {
  CURL* h = Pool().Take();
  if (h == nullptr)
    return FailAs(ENOMEM, "{} {}: cannot create a curl handle", req.method, req.url);
  Exchange x{req, h};
  x.body_size = req.reader ? req.body_size : static_cast<int64_t>(req.body.size());
  char errbuf[CURL_ERROR_SIZE] = {};

  curl_slist* headers = nullptr;
  for (const auto& line : req.headers) headers = curl_slist_append(headers, line.c_str());

  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer (under 1 byte/s for a minute) is a failure, not a hang.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req.verify_tls ? 2L : 0L);
  if (!req.user_agent.empty()) curl_easy_setopt(h, CURLOPT_USERAGENT, req.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Exchange::OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Exchange::OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);

  if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    // Every other method is an "upload" of a body of known size (possibly
    // empty, sent as Content-Length: 0), under the method's own name.
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(x.body_size));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &Exchange::OnRead);
    curl_easy_setopt(h, CURLOPT_READDATA, &x);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &Exchange::OnSeek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, &x);
    // No "Expect: 100-continue" round trip before each upload.
    headers = curl_slist_append(headers, "Expect:");
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x.resp.status);
  curl_slist_free_all(headers);
  Pool().Give(h);

  if (x.error) return std::unexpected(std::move(*x.error));
  if (rc != CURLE_OK) {
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    return FailAs(ErrnoFor(rc), "{} {}: {}", req.method, req.url, detail);
  }
  return std::move(x.resp);
}

bool IsRetryable(const Error& e) {
  return e.code() == ECONNREFUSED || e.code() == ETIMEDOUT || e.code() == ECONNRESET;
}

Result<std::string> ResolveUrl(const std::string& base, const std::string& location) {
  CURLU* u = curl_url();
  if (u == nullptr) return FailAs(ENOMEM, "resolve URL {}", location);
  std::string out;
  CURLUcode rc = curl_url_set(u, CURLUPART_URL, base.c_str(), 0);
  if (rc == CURLUE_OK) rc = curl_url_set(u, CURLUPART_URL, location.c_str(), 0);
  char* s = nullptr;
  if (rc == CURLUE_OK) rc = curl_url_get(u, CURLUPART_URL, &s, 0);
  if (rc == CURLUE_OK) out = s;
  curl_free(s);
  curl_url_cleanup(u);
  if (rc != CURLUE_OK)
    return Fail("invalid URL {:?} (relative to {}): {}", location, base, curl_url_strerror(rc));
  return out;
}

std::string UrlOrigin(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (u && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (scheme && host) out = Lower(fmt::format("{}://{}:{}", scheme, host, port ? port : ""));
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace berth::image::http
