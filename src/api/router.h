// Docker Engine API routing: strips and negotiates the version prefix
// ("/v1.47/images/json"), matches method and path pattern, and turns a
// request into a call of its route.
//
// Versions: berth speaks 1.41 to 1.47. A request without a prefix gets the
// newest; one outside the range gets 400 with dockerd's wording ("client
// version 1.40 is too old. Minimum supported API version is 1.41, please
// upgrade your client to a newer version").
//
// Patterns are literal segments and {param}s; a param matches one or more
// segments (greedily from the right), since image names hold slashes:
// "/images/{name}/json" matches "/images/localhost:5000/a/b:1/json".
// Thread safety: routes are added before serving; Dispatch is const.
#pragma once

#include <string>
#include <vector>

#include "api/http.h"

namespace berth::api {

inline constexpr const char* kMinApiVersion = "1.41";
inline constexpr const char* kMaxApiVersion = "1.47";

// Compares "1.41"-style versions numerically.
int CompareApiVersions(std::string_view a, std::string_view b);

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // Splits `target` (path?query), negotiates the version, routes. Unknown
  // paths get 404 {"message":"page not found"}; a known path with another
  // method gets 405.
  void Dispatch(const std::string& method, const std::string& target, HttpRequest req,
                HttpResponder& out) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool Match(const Route& r, const std::vector<std::string>& segs,
                    std::map<std::string, std::string>& params);
  std::vector<Route> routes_;
};

}  // namespace berth::api
