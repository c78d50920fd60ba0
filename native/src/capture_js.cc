// The JS face of captures: openCapture(handle, options, onPackets) → Promise<CaptureSocket>,
// compileFilter(filter, linkType, snaplen) → libpcap's message or null, and the CaptureSocket
// object (stats, close). Only moves values between JS and C++.
#include <cmath>

#include "capture.h"
#include "error.h"
#include "worker.h"

namespace vnet {

namespace {

const char* LinkName(int linkType) { return linkType == kLinkRaw ? "raw" : "ethernet"; }

double NumberOpt(Napi::Object o, const char* key, double def, double min, double max) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max)
    throw InvalidArg("openCapture: options." + std::string(key) + " must be an integer from " +
                     std::to_string(static_cast<long long>(min)) + " to " + std::to_string(static_cast<long long>(max)));
  return d;
}

class CaptureSocketJs : public Napi::ObjectWrap<CaptureSocketJs> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CaptureSocket", {
        InstanceAccessor<&CaptureSocketJs::IfName>("ifname"),
        InstanceAccessor<&CaptureSocketJs::LinkType>("linkType"),
        InstanceAccessor<&CaptureSocketJs::Arphrd>("arphrd"),
        InstanceMethod<&CaptureSocketJs::Stats>("stats"),
        InstanceMethod<&CaptureSocketJs::Close>("close"),
    });
  }

  struct Init {
    std::shared_ptr<CaptureSock> sock;
    std::shared_ptr<CaptureHub> hub;
    uint64_t id;
  };

  explicit CaptureSocketJs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CaptureSocketJs>(info) {
    if (info.Length() < 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "CaptureSocket is made by openCapture()");
    Init* init = info[0].As<Napi::External<Init>>().Data();
    sock_ = init->sock;
    hub_ = init->hub;
    id_ = init->id;
    ifname_ = sock_->ifname;
    linkType_ = sock_->linkType;
    arphrd_ = sock_->arphrd;
  }
  ~CaptureSocketJs() override { Stop(); }

 private:
  Napi::Value IfName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ifname_); }
  Napi::Value LinkType(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), LinkName(linkType_)); }
  Napi::Value Arphrd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), arphrd_); }

  // {kernelPackets, kernelDrops, appDropped}: PACKET_STATISTICS read now and added to the totals.
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    if (sock_) {
      sock_->ReadKernelStats();
      last_[0] = static_cast<double>(sock_->kernelPackets);
      last_[1] = static_cast<double>(sock_->kernelDrops);
      last_[2] = static_cast<double>(sock_->appDropped.load());
    }
    o.Set("kernelPackets", last_[0]);
    o.Set("kernelDrops", last_[1]);
    o.Set("appDropped", last_[2]);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Stop();
    return info.Env().Undefined();
  }

  void Stop() {
    if (!sock_) return;
    sock_->ReadKernelStats();  // the last counts stay readable through stats()
    last_[0] = static_cast<double>(sock_->kernelPackets);
    last_[1] = static_cast<double>(sock_->kernelDrops);
    last_[2] = static_cast<double>(sock_->appDropped.load());
    hub_->Remove(id_);  // the capture thread lets go before this returns
    sock_.reset();      // the socket and ring close with the last owner (a batch still queued)
    hub_.reset();
  }

  std::shared_ptr<CaptureSock> sock_;
  std::shared_ptr<CaptureHub> hub_;
  uint64_t id_ = 0;
  std::string ifname_;
  int linkType_ = 0, arphrd_ = 0;
  double last_[3] = {0, 0, 0};
};

struct CaptureData {
  Napi::FunctionReference ctor;
  std::shared_ptr<CaptureHub> hub;
  StateOf stateOf;
};

int ParseLinkType(Napi::Value v) {
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "ethernet") return kLinkEthernet;
  if (s == "raw") return kLinkRaw;
  throw InvalidArg("linkType must be \"ethernet\" or \"raw\"");
}

}  // namespace

void RegisterCapture(Napi::Env env, Napi::Object exports, std::shared_ptr<CaptureHub> hub, StateOf stateOf) {
  auto* data = new CaptureData{Napi::Persistent(CaptureSocketJs::Define(env)), std::move(hub), std::move(stateOf)};
  // Lives as long as the environment (its constructor reference must not outlive it).
  napi_add_env_cleanup_hook(env, [](void* p) { delete static_cast<CaptureData*>(p); }, data);

  // compileFilter(filter, linkType, snaplen): null when it compiles, else libpcap's message.
  exports.Set("compileFilter", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsString() || !info[2].IsNumber())
      throw Napi::TypeError::New(env, "compileFilter(filter, linkType, snaplen): wrong argument types");
    int linkType;
    try {
      linkType = ParseLinkType(info[1]);
    } catch (const SysError&) {
      throw Napi::TypeError::New(env, "compileFilter: linkType must be \"ethernet\" or \"raw\"");
    }
    try {
      CompileFilter(info[0].As<Napi::String>(), linkType, info[2].As<Napi::Number>().Int32Value());
    } catch (const SysError& e) {
      return Napi::String::New(env, e.what());
    }
    return env.Null();
  }, "compileFilter"));

  // openCapture(handle, {ifindex, filter?, snaplen?, ringBlocks?, maxQueuedBytes?, promisc?, epbInterface?}, onPackets): Promise<CaptureSocket>
  exports.Set("openCapture", Napi::Function::New(env, [data](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    std::shared_ptr<NsState> st;
    CaptureSpec spec;
    try {
      if (info.Length() < 3 || !info[1].IsObject() || !info[2].IsFunction())
        throw InvalidArg("openCapture(handle, options, onPackets): wrong argument types");
      st = data->stateOf(info[0]);
      if (!st) throw SysError(EBADF, "openCapture: the first argument is not an open NamespaceHandle");
      Napi::Object o = info[1].As<Napi::Object>();
      spec.ifindex = static_cast<int>(NumberOpt(o, "ifindex", 0, 1, 2147483647));
      Napi::Value f = o.Get("filter");
      if (!f.IsUndefined() && !f.IsString()) throw InvalidArg("openCapture: options.filter must be a string");
      if (f.IsString()) spec.filter = f.As<Napi::String>();
      spec.snaplen = static_cast<int>(NumberOpt(o, "snaplen", 262144, 64, 262144));
      spec.blocks = static_cast<unsigned>(NumberOpt(o, "ringBlocks", 16, 2, 256));
      spec.maxQueuedBytes = static_cast<size_t>(NumberOpt(o, "maxQueuedBytes", 16 << 20, 1 << 16, 1 << 30));
      Napi::Value pr = o.Get("promisc");
      if (!pr.IsUndefined() && !pr.IsBoolean()) throw InvalidArg("openCapture: options.promisc must be a boolean");
      if (pr.IsBoolean()) spec.promisc = pr.As<Napi::Boolean>();
      spec.epbInterface = static_cast<int>(NumberOpt(o, "epbInterface", -1, 0, 2147483647));
    } catch (const SysError& e) {
      return PromiseWorker::Rejected(env, e);
    }
    auto cb = std::make_shared<Napi::FunctionReference>(Napi::Persistent(info[2].As<Napi::Function>()));
    auto result = std::make_shared<std::shared_ptr<CaptureSock>>();
    return PromiseWorker::Start(env, [st, spec, result] { *result = OpenCapture(*st, spec); },
        [data, cb, result](Napi::Env env) -> Napi::Value {
          CaptureSocketJs::Init init{*result, data->hub, 0};
          init.id = data->hub->Add(*result, cb->Value());
          auto ext = Napi::External<CaptureSocketJs::Init>::New(env, &init);
          Napi::Value obj = data->ctor.New({ext});
          return obj;
        });
  }, "openCapture"));
}

}  // namespace vnet
