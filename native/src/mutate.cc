#include "mutate.h"

namespace vnet {
struct MutationBatch {};
std::shared_ptr<MutationBatch> ParseBatch(const Napi::CallbackInfo&) { throw SysError(ENOSYS, "batch"); }
void RunBatch(NsState&, MutationBatch&) {}
Napi::Value BatchResultsToJs(Napi::Env env, MutationBatch&) { return env.Undefined(); }
TunTapSpec ParseTunTap(const Napi::CallbackInfo&) { throw SysError(ENOSYS, "createTunTap"); }
void CreateTunTap(const TunTapSpec&) {}
}  // namespace vnet
