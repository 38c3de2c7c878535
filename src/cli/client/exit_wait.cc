#include "cli/client/exit_wait.h"

#include <chrono>
#include <future>

#include "cli/client/container_each.h"

namespace berth::cli {

OpenedWait OpenWait(ApiClient client, const std::string& id, const std::string& condition) {
  OpenedWait w;
  w.result = std::make_shared<Result<ApiResponse>>(Fail("not waited"));
  auto in_place = std::make_shared<std::promise<void>>();
  std::future<void> ready = in_place->get_future();
  w.thread = std::thread(
      [result = w.result, client = std::move(client), id, condition, in_place]() mutable {
        bool told = false;
        client.SetHeadersHook([&] {
          if (!told) in_place->set_value();
          told = true;
        });
        *result = client.Call("POST", ContainerPath(id) + "/wait?condition=" + condition);
        if (!told) in_place->set_value();
      });
  ready.wait_for(std::chrono::seconds(5));
  return w;
}

}  // namespace berth::cli
