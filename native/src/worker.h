// A promise-returning AsyncWorker: `work` runs on a libuv pool thread (never touching JS), `done`
// turns its result into a JS value on the main thread. A SysError thrown by `work` rejects the
// promise with an Error carrying `errno`, `code` ('EEXIST') and, when the kernel explained,
// `kernelMessage`.
#pragma once

#include <napi.h>

#include <functional>
#include <string>

#include "error.h"

namespace vnet {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Done = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise Start(Napi::Env env, Work work, Done done) {
    auto* w = new PromiseWorker(env, std::move(work), std::move(done));
    Napi::Promise p = w->deferred_.Promise();
    w->Queue();
    return p;
  }

  // A promise already rejected with err (for errors found on the main thread, before any work).
  static Napi::Promise Rejected(Napi::Env env, const SysError& err) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Reject(MakeError(env, err.what(), err.err(), err.extack()).Value());
    return d.Promise();
  }

  static Napi::Error MakeError(Napi::Env env, const std::string& msg, int err, const std::string& extack) {
    Napi::Error e = Napi::Error::New(env, msg);
    e.Set("errno", Napi::Number::New(env, err));
    e.Set("code", Napi::String::New(env, ErrnoName(err)));
    if (!extack.empty()) e.Set("kernelMessage", Napi::String::New(env, extack));
    return e;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const SysError& e) {
      err_ = e.err();
      extack_ = e.extack();
      SetError(e.what());
    } catch (const std::exception& e) {
      err_ = EIO;
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(done_ ? done_(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const SysError& e) {
      deferred_.Reject(MakeError(env, e.what(), e.err(), e.extack()).Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    deferred_.Reject(MakeError(Env(), e.Message(), err_, extack_).Value());
  }

 private:
  PromiseWorker(Napi::Env env, Work work, Done done)
      : Napi::AsyncWorker(env, "vnet-native"), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Done done_;
  int err_ = 0;
  std::string extack_;
};

}  // namespace vnet
