// The request both fault suites begin with.
#pragma once

#include <string>
#include <string_view>

#include "trappe/workload/v1/service.pb.h"

namespace trappe::fault {

// Registers `tenant` as Herning Kommune with the national presets (request id "register").
inline workload::v1::RegisterMunicipalityRequest RegisterHerning(std::string_view tenant) {
  workload::v1::RegisterMunicipalityRequest r;
  r.set_tenant(std::string(tenant));
  r.set_request_id("register");
  r.set_actor("admin");
  r.set_name("Herning Kommune");
  for (const char* p : {"national-staircase", "barnets-lov", "default-weights"}) r.add_presets(p);
  return r;
}

}  // namespace trappe::fault
