#pragma once

#include "trappe/testing/wire.grpc.pb.h"

namespace trappe::testing {

class EchoService final : public Echo::Service {
 public:
  grpc::Status Say(grpc::ServerContext*, const EchoRequest* request,
                   EchoResponse* response) override {
    response->set_text(request->text());
    return grpc::Status::OK;
  }
};

}  // namespace trappe::testing
