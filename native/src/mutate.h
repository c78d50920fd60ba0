// Mutations as rtnetlink requests (no shelling out): ops parsed and validated from JS on the main
// thread (nothing touches the kernel until all of a batch is valid), turned into messages and sent
// pipelined on a pool thread, with one result per op.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "netns.h"

namespace vnet {

struct MutationBatch;  // defined in mutate.cc

std::shared_ptr<MutationBatch> ParseBatch(const Napi::CallbackInfo& info);
void RunBatch(NsState& st, MutationBatch& batch);
Napi::Value BatchResultsToJs(Napi::Env env, MutationBatch& batch);

struct TunTapSpec {
  std::string name;
  bool tap = false;
  bool persist = true;
  long owner = -1;
  long group = -1;
  std::string nsPath;  // "" = own namespace
};
TunTapSpec ParseTunTap(const Napi::CallbackInfo& info);
void CreateTunTap(const TunTapSpec& spec);

}  // namespace vnet
