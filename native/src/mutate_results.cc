// A batch's outcome to JS: one {ok, index} or {ok: false, error} per op the caller gave, a
// follow-up op the batch added itself reporting on its parent.
#include "error.h"
#include "mutate.h"

namespace vnet {

Napi::Value BatchResultsToJs(Napi::Env env, MutationBatch& batch) {
  // Follow-ups report on their parent op: the first failure wins.
  for (Op& op : batch.ops) {
    if (op.parent < 0 || !op.err) continue;
    Op& p = batch.ops[op.parent];
    if (!p.err) { p.err = op.err; p.extack = op.extack; p.message = op.message; }
  }
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (size_t i = 0; i < batch.ops.size(); i++) {
    const Op& op = batch.ops[i];
    if (op.parent >= 0) continue;
    Napi::Object r = Napi::Object::New(env);
    r.Set("ok", Napi::Boolean::New(env, op.err == 0));
    if (op.err == 0) {
      r.Set("index", Napi::Number::New(env, op.resultIndex));
    } else {
      Napi::Error e = Napi::Error::New(env, op.message);
      e.Set("errno", Napi::Number::New(env, op.err));
      e.Set("code", Napi::String::New(env, ErrnoName(op.err)));
      if (!op.extack.empty()) e.Set("kernelMessage", Napi::String::New(env, op.extack));
      r.Set("error", e.Value());
    }
    out.Set(n++, r);
  }
  return out;
}

}  // namespace vnet
