// N-API glue: the addon's exports and the NamespaceHandle class. Every kernel call runs in a
// PromiseWorker (libuv pool) or a helper thread; this file only moves values between JS and C++.
#include <napi.h>

#include <sys/socket.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <memory>

#include "capture.h"
#include "events.h"
#include "mutate.h"
#include "netns.h"
#include "ping.h"
#include "proc_events.h"
#include "proc_scan.h"
#include "stats.h"
#include "translate.h"
#include "worker.h"

namespace vnet {
namespace {

struct AddonData {
  Napi::FunctionReference handleCtor;
  // The environment's one event thread and what it watches, shared with every subscription.
  std::shared_ptr<EventHub> events;
};

// A StatsFrame: JS-owned memory (Electron refuses external array buffers), allocated, then copied.
Napi::Object StatsFrameToJs(Napi::Env env, const StatsColumns& cols) {
  size_t n = cols.ifindex.size();
  Napi::Int32Array idx = Napi::Int32Array::New(env, n);
  Napi::Float64Array vals = Napi::Float64Array::New(env, n * 8);
  if (n) {
    std::memcpy(idx.Data(), cols.ifindex.data(), n * sizeof(int32_t));
    std::memcpy(vals.Data(), cols.values.data(), n * 8 * sizeof(double));
  }
  Napi::Object frame = Napi::Object::New(env);
  frame.Set("ifindex", idx);
  frame.Set("values", vals);
  return frame;
}

// RTM_GETNSID: this namespace's nsid for the namespace of the open file `fd`.
MsgBuilder NsidRequest(int fd) {
  MsgBuilder req(RTM_GETNSID, NLM_F_REQUEST);
  req.Family<rtgenmsg>()->rtgen_family = AF_UNSPEC;
  req.PutU32(NETNSA_FD, static_cast<uint32_t>(fd));
  return req;
}

// INT32_MIN marks an nsid query that failed (an nsid is -1 or more).
constexpr int32_t kNsidFailed = INT32_MIN;

// st's nsid for the namespace at `path` (-1: none assigned). Throws the errno of an open that
// fails (its process exited), EBADF once the handle is closed, or the kernel's refusal.
int32_t QueryNsid(NsState& st, const std::string& path) {
  std::string what = "getNsid \"" + path + "\" in " + st.Name();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw SysError(errno, what);
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { close(*f); });
  MsgBuilder req = NsidRequest(fd);
  // Locked per query: the handle's dumps and counter reads are not held up by a long list.
  std::lock_guard<std::mutex> lock(st.req->mu);
  if (st.closed) throw SysError(EBADF, "namespace handle is closed");
  return NsidFromReply(st.req->Request(req, what));
}

// QueryNsid for each of `paths`, one after another (which the socket serializes anyway); a path
// that fails (its process exited, not a namespace file) fails its own entry. Throws only once
// the handle is closed.
std::vector<int32_t> QueryNsids(NsState& st, const std::vector<std::string>& paths) {
  std::vector<int32_t> out(paths.size(), kNsidFailed);
  for (size_t i = 0; i < paths.size(); i++) {
    try {
      out[i] = QueryNsid(st, paths[i]);
    } catch (const SysError&) {
      if (st.closed) throw;  // the rest would fail too
    }
  }
  return out;
}

Napi::Array NsidsToJs(Napi::Env env, const std::vector<int32_t>& nsids) {
  Napi::Array out = Napi::Array::New(env, nsids.size());
  for (size_t i = 0; i < nsids.size(); i++)
    out.Set(static_cast<uint32_t>(i), nsids[i] == kNsidFailed ? env.Null() : Napi::Number::New(env, nsids[i]));
  return out;
}

// The non-empty path strings of `v` (an array), or false with `bad` the first entry that is not one.
bool PathList(Napi::Value v, std::vector<std::string>* out, uint32_t* bad) {
  if (!v.IsArray()) return false;
  Napi::Array list = v.As<Napi::Array>();
  out->reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value e = list.Get(i);
    if (!e.IsString() || e.As<Napi::String>().Utf8Value().empty()) { *bad = i; return false; }
    out->push_back(e.As<Napi::String>());
  }
  return true;
}

class Handle : public Napi::ObjectWrap<Handle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NamespaceHandle", {
        InstanceAccessor<&Handle::Inode>("inode"),
        InstanceAccessor<&Handle::Path>("path"),
        InstanceMethod<&Handle::DumpLinks>("dumpLinks"),
        InstanceMethod<&Handle::DumpAddrs>("dumpAddrs"),
        InstanceMethod<&Handle::DumpRoutes>("dumpRoutes"),
        InstanceMethod<&Handle::DumpFdb>("dumpFdb"),
        InstanceMethod<&Handle::DumpAll>("dumpAll"),
        InstanceMethod<&Handle::DumpStats>("dumpStats"),
        InstanceMethod<&Handle::GetNsid>("getNsid"),
        InstanceMethod<&Handle::GetNsids>("getNsids"),
        InstanceMethod<&Handle::Subscribe>("subscribe"),
        InstanceMethod<&Handle::Unsubscribe>("unsubscribe"),
        InstanceMethod<&Handle::Close>("close"),
        InstanceMethod<&Handle::Batch>("batch"),
        InstanceMethod<&Handle::Apply>("apply"),
    });
  }

  explicit Handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Handle>(info) {
    if (info.Length() < 1 || !info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "NamespaceHandle is made by openNamespace()");
    // Taken, not copied: the External lives until a garbage collection, and a copy left in it
    // would keep the sockets (and the namespace) open after close().
    st_ = std::move(*info[0].As<Napi::External<std::shared_ptr<NsState>>>().Data());
    inode_ = static_cast<double>(st_->inode);
    path_ = st_->path;
  }

  ~Handle() override { StopSubscription(); }

  // The state a sweep of many reads; null once closed.
  std::shared_ptr<NsState> State() const { return st_; }

 private:
  Napi::Value Inode(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), inode_); }
  Napi::Value Path(const Napi::CallbackInfo& info) {
    return path_.empty() ? info.Env().Null() : Napi::String::New(info.Env(), path_);
  }

  // Runs `fn(socket)` on a pool thread under the socket's lock and writes the records as JSON
  // there too; the main thread only parses.
  template <class Fn>
  Napi::Value Dump(const Napi::CallbackInfo& info, Fn fn, RecordKind kind) {
    auto st = st_;
    if (!st) return PromiseWorker::Rejected(info.Env(), SysError(EBADF, "namespace handle is closed"));
    auto json = std::make_shared<std::string>();
    return PromiseWorker::Start(info.Env(),
        [st, json, fn, kind] {
          std::vector<uint8_t> blob;
          {
            std::lock_guard<std::mutex> lock(st->req->mu);
            if (st->closed) throw SysError(EBADF, "namespace handle is closed");
            blob = fn(*st->req, st->Name());
          }
          *json = ToJsonArray(blob, kind);
        },
        [json](Napi::Env env) -> Napi::Value { return ParseJson(env, *json); });
  }

  // The four reads of a namespace (each one dump but routes: one per family, every table; the
  // engine filters), for the single dumps and for dumpAll.
  static std::vector<uint8_t> ReadLinks(NlSocket& s, const std::string& ns) {
    MsgBuilder req(RTM_GETLINK, NLM_F_REQUEST);
    req.Family<ifinfomsg>()->ifi_family = AF_UNSPEC;
    return s.Dump(req, "link dump of " + ns);
  }
  static std::vector<uint8_t> ReadAddrs(NlSocket& s, const std::string& ns) {
    MsgBuilder req(RTM_GETADDR, NLM_F_REQUEST);
    req.Family<ifaddrmsg>()->ifa_family = AF_UNSPEC;  // both families in one dump
    return s.Dump(req, "address dump of " + ns);
  }
  static std::vector<uint8_t> ReadRoutes(NlSocket& s, const std::string& ns) {
    std::vector<uint8_t> all;
    for (uint8_t fam : {AF_INET, AF_INET6}) {
      MsgBuilder req(RTM_GETROUTE, NLM_F_REQUEST);
      req.Family<rtmsg>()->rtm_family = fam;
      std::vector<uint8_t> b = s.Dump(req, std::string(fam == AF_INET ? "IPv4" : "IPv6") + " route dump of " + ns);
      all.insert(all.end(), b.begin(), b.end());
    }
    return all;
  }
  static std::vector<uint8_t> ReadFdb(NlSocket& s, const std::string& ns) {
    MsgBuilder req(RTM_GETNEIGH, NLM_F_REQUEST);
    req.Family<ndmsg>()->ndm_family = AF_BRIDGE;
    return s.Dump(req, "FDB dump of " + ns);
  }

  Napi::Value DumpLinks(const Napi::CallbackInfo& info) { return Dump(info, ReadLinks, RecordKind::Link); }
  Napi::Value DumpAddrs(const Napi::CallbackInfo& info) { return Dump(info, ReadAddrs, RecordKind::Addr); }
  Napi::Value DumpRoutes(const Napi::CallbackInfo& info) { return Dump(info, ReadRoutes, RecordKind::Route); }
  Napi::Value DumpFdb(const Napi::CallbackInfo& info) { return Dump(info, ReadFdb, RecordKind::Fdb); }

  // dumpAll(): Promise<{links, addrs, routes, fdb}> — the four reads of a full re-read in ONE
  // worker, one after another under the socket's lock: a pool round trip costs more than a small
  // namespace's dumps themselves, and a reconciliation pass runs ten times a second.
  Napi::Value DumpAll(const Napi::CallbackInfo& info) {
    auto st = st_;
    if (!st) return PromiseWorker::Rejected(info.Env(), SysError(EBADF, "namespace handle is closed"));
    auto json = std::make_shared<std::string>();
    return PromiseWorker::Start(info.Env(),
        [st, json] {
          std::vector<uint8_t> links, addrs, routes, fdb;
          {
            std::lock_guard<std::mutex> lock(st->req->mu);
            if (st->closed) throw SysError(EBADF, "namespace handle is closed");
            NlSocket& s = *st->req;
            const std::string ns = st->Name();
            links = ReadLinks(s, ns);
            addrs = ReadAddrs(s, ns);
            routes = ReadRoutes(s, ns);
            fdb = ReadFdb(s, ns);
          }
          *json = "{\"links\":" + ToJsonArray(links, RecordKind::Link) + ",\"addrs\":" + ToJsonArray(addrs, RecordKind::Addr) +
                  ",\"routes\":" + ToJsonArray(routes, RecordKind::Route) + ",\"fdb\":" + ToJsonArray(fdb, RecordKind::Fdb) + "}";
        },
        [json](Napi::Env env) -> Napi::Value { return ParseJson(env, *json); });
  }

  Napi::Value DumpStats(const Napi::CallbackInfo& info) {
    auto st = st_;
    if (!st) return PromiseWorker::Rejected(info.Env(), SysError(EBADF, "namespace handle is closed"));
    auto cols = std::make_shared<StatsColumns>();
    return PromiseWorker::Start(info.Env(),
        [st, cols] {
          std::lock_guard<std::mutex> lock(st->req->mu);
          if (st->closed) throw SysError(EBADF, "namespace handle is closed");
          *cols = SweepStats(*st->req);
        },
        [cols](Napi::Env env) -> Napi::Value { return StatsFrameToJs(env, *cols); });
  }

  Napi::Value GetNsid(const Napi::CallbackInfo& info) {
    auto st = st_;
    Napi::Env env = info.Env();
    if (!st) return PromiseWorker::Rejected(env, SysError(EBADF, "namespace handle is closed"));
    if (info.Length() < 1 || !info[0].IsString())
      return PromiseWorker::Rejected(env, InvalidArg("getNsid: nsPath must be a string"));
    std::string path = info[0].As<Napi::String>();
    auto nsid = std::make_shared<int32_t>(-1);
    return PromiseWorker::Start(env, [st, path, nsid] { *nsid = QueryNsid(*st, path); },
        [nsid](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *nsid); });
  }

  // getNsids(paths[]): Promise<(number | null)[]> — getNsid for many namespaces in ONE worker, the
  // queries one after another on this handle's socket (which serializes them anyway), so that a
  // namespace with a thousand veth peers elsewhere keeps one pool thread busy, not all of them.
  // null: that path could not be opened (its process exited) or the kernel refused it.
  Napi::Value GetNsids(const Napi::CallbackInfo& info) {
    auto st = st_;
    Napi::Env env = info.Env();
    if (!st) return PromiseWorker::Rejected(env, SysError(EBADF, "namespace handle is closed"));
    std::vector<std::string> paths;
    uint32_t bad = UINT32_MAX;
    if (info.Length() < 1 || !PathList(info[0], &paths, &bad))
      return PromiseWorker::Rejected(env, InvalidArg(bad == UINT32_MAX ? "getNsids: expected an array of namespace paths"
          : "getNsids: entry " + std::to_string(bad) + " must be a non-empty path string"));
    auto nsids = std::make_shared<std::vector<int32_t>>();
    return PromiseWorker::Start(env, [st, paths, nsids] { *nsids = QueryNsids(*st, paths); },
        [nsids](Napi::Env env) -> Napi::Value { return NsidsToJs(env, *nsids); });
  }

  Napi::Value Subscribe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!st_) throw Napi::Error::New(env, "namespace handle is closed");
    if (sub_) throw Napi::Error::New(env, "already subscribed: one subscription per handle (unsubscribe first)");
    if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "subscribe(onEvents, options?): onEvents must be a function");
    int rcvbuf = 0;
    size_t maxQueued = 64;
    if (info.Length() >= 2 && info[1].IsObject()) {
      Napi::Value q = info[1].As<Napi::Object>().Get("maxQueuedBatches");
      if (!q.IsUndefined()) {
        if (!q.IsNumber() || q.As<Napi::Number>().DoubleValue() < 1 || q.As<Napi::Number>().DoubleValue() > 1e6)
          throw Napi::RangeError::New(env, "subscribe: options.maxQueuedBatches must be a number from 1 to 1000000");
        maxQueued = static_cast<size_t>(q.As<Napi::Number>().DoubleValue());
      }
      Napi::Value v = info[1].As<Napi::Object>().Get("rcvbuf");
      if (!v.IsUndefined()) {
        if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 1 || v.As<Napi::Number>().DoubleValue() > (1 << 30))
          throw Napi::RangeError::New(env, "subscribe: options.rcvbuf must be a number of bytes between 1 and 2^30");
        rcvbuf = v.As<Napi::Number>().Int32Value();
      }
    }
    try {
      sub_.reset(new Subscription(env.GetInstanceData<AddonData>()->events, st_, info[0].As<Napi::Function>(), rcvbuf, maxQueued));
    } catch (const SysError& e) {
      throw PromiseWorker::MakeError(env, e.what(), e.err(), e.extack());
    }
    return env.Undefined();
  }

  void StopSubscription() {
    if (sub_) {
      sub_->Stop();
      sub_.reset();
    }
  }

  Napi::Value Unsubscribe(const Napi::CallbackInfo& info) {
    StopSubscription();
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    StopSubscription();
    if (st_) {
      st_->closed = true;  // in-flight workers finish; the sockets close with the last of them
      st_.reset();
    }
    return info.Env().Undefined();
  }

  Napi::Value Batch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!st_) return PromiseWorker::Rejected(env, SysError(EBADF, "namespace handle is closed"));
    std::shared_ptr<MutationBatch> batch;
    try {
      batch = ParseBatch(info, false);  // validates everything before any kernel call
    } catch (const SysError& e) {
      return PromiseWorker::Rejected(env, e);
    }
    auto st = st_;
    return PromiseWorker::Start(env, [st, batch] { RunBatch(*st, *batch); },
                                [batch](Napi::Env env) { return BatchResultsToJs(env, *batch); });
  }

  // apply(op): one op; resolves {index}, rejects with the op's error.
  Napi::Value Apply(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!st_) return PromiseWorker::Rejected(env, SysError(EBADF, "namespace handle is closed"));
    std::shared_ptr<MutationBatch> batch;
    try {
      batch = ParseBatch(info, true);
    } catch (const SysError& e) {
      return PromiseWorker::Rejected(env, e);
    }
    auto st = st_;
    return PromiseWorker::Start(env,
        [st, batch] {
          RunBatch(*st, *batch);
          for (const Op& op : batch->ops)  // the op, then its follow-ups
            if (op.err) throw SysError(SysError::Preformatted{}, op.err, op.message, op.extack);
        },
        [batch](Napi::Env env) -> Napi::Value {
          Napi::Object r = Napi::Object::New(env);
          r.Set("index", Napi::Number::New(env, batch->ops[0].resultIndex));
          return r;
        });
  }

  std::shared_ptr<NsState> st_;
  std::unique_ptr<Subscription> sub_;
  double inode_ = 0;
  std::string path_;
};

// The Handle behind `obj`, or null when it is not one (napi_unwrap, so a failure does not throw).
Handle* UnwrapHandle(Napi::Object obj) {
  void* p = nullptr;
  return napi_unwrap(obj.Env(), obj, &p) == napi_ok ? static_cast<Handle*>(p) : nullptr;
}

// The state behind every handle of `list` into `out`; UINT32_MAX, or the first entry that is not a
// handle made by openNamespace() (a Proxy passes instanceof but carries no native object: hence the
// unwrap check too).
uint32_t HandleStates(Napi::Env env, Napi::Array list, std::vector<std::shared_ptr<NsState>>* out) {
  Napi::Function ctor = env.GetInstanceData<AddonData>()->handleCtor.Value();
  out->reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    Handle* h = v.IsObject() && v.As<Napi::Object>().InstanceOf(ctor) ? UnwrapHandle(v.As<Napi::Object>()) : nullptr;
    if (!h) return i;
    out->push_back(h->State());
  }
  return UINT32_MAX;
}

// getNsidsMany(handles[], pathLists[][]): Promise<((number | null)[] | Error)[]> — each handle's
// getNsids in ONE worker: the first read of a dense host's pods asks each pod for the nsid of the
// namespace behind its veth, a thousand small queries that cost far more as a worker round trip
// each. A closed handle gives its Error in its place, the others their answers.
Napi::Value GetNsidsManyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray() ||
      info[0].As<Napi::Array>().Length() != info[1].As<Napi::Array>().Length())
    return PromiseWorker::Rejected(env, InvalidArg("getNsidsMany: expected an array of namespace handles and an array of path lists, one per handle"));
  auto states = std::make_shared<std::vector<std::shared_ptr<NsState>>>();
  uint32_t bad = HandleStates(env, info[0].As<Napi::Array>(), states.get());
  if (bad != UINT32_MAX) return PromiseWorker::Rejected(env, InvalidArg("getNsidsMany: entry " + std::to_string(bad) + " is not a NamespaceHandle made by openNamespace()"));
  Napi::Array lists = info[1].As<Napi::Array>();
  auto paths = std::make_shared<std::vector<std::vector<std::string>>>(lists.Length());
  for (uint32_t i = 0; i < lists.Length(); i++) {
    uint32_t badPath = UINT32_MAX;
    if (!PathList(lists.Get(i), &(*paths)[i], &badPath))
      return PromiseWorker::Rejected(env, InvalidArg("getNsidsMany: path list " + std::to_string(i) +
          (badPath == UINT32_MAX ? " is not an array" : ", entry " + std::to_string(badPath) + ", must be a non-empty path string")));
  }
  struct Answer { std::vector<int32_t> nsids; int err = 0; std::string message; };
  auto answers = std::make_shared<std::vector<Answer>>(states->size());
  return PromiseWorker::Start(env,
      [states, paths, answers] {
        for (size_t i = 0; i < states->size(); i++) {
          try {
            if (!(*states)[i]) throw SysError(EBADF, "namespace handle is closed");
            (*answers)[i].nsids = QueryNsids(*(*states)[i], (*paths)[i]);
          } catch (const SysError& e) {
            (*answers)[i].err = e.err();
            (*answers)[i].message = e.what();
          }
        }
      },
      [answers](Napi::Env env) -> Napi::Value {
        Napi::Array out = Napi::Array::New(env, answers->size());
        for (size_t i = 0; i < answers->size(); i++) {
          const Answer& a = (*answers)[i];
          out.Set(static_cast<uint32_t>(i), a.err ? PromiseWorker::MakeError(env, a.message, a.err, "").Value() : NsidsToJs(env, a.nsids));
        }
        return out;
      });
}

// dumpStatsMany(handles[]): Promise<StatsSweep> — every handle's counter sweep on one pool thread
// (a dense host's 1,000 namespaces are one worker round trip, not 1,000), answered as one frame with
// per-handle offsets (a handful of JS objects however many namespaces); a closed handle or a failed
// dump fails its own entry only.
Napi::Value DumpStatsManyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    return PromiseWorker::Rejected(env, InvalidArg("dumpStatsMany: expected an array of namespace handles"));
  auto states = std::make_shared<std::vector<std::shared_ptr<NsState>>>();
  uint32_t bad = HandleStates(env, info[0].As<Napi::Array>(), states.get());
  if (bad != UINT32_MAX) return PromiseWorker::Rejected(env, InvalidArg("dumpStatsMany: entry " + std::to_string(bad) + " is not a NamespaceHandle made by openNamespace()"));
  auto reads = std::make_shared<std::vector<StatsRead>>();
  return PromiseWorker::Start(env, [states, reads] { *reads = SweepStatsEach(*states); },
      [reads](Napi::Env env) -> Napi::Value {
        size_t n = reads->size(), rows = 0;
        for (const StatsRead& r : *reads) rows += r.cols.ifindex.size();
        // JS-owned memory (Electron refuses external array buffers): allocate, then copy.
        Napi::Int32Array idx = Napi::Int32Array::New(env, rows);
        Napi::Float64Array vals = Napi::Float64Array::New(env, rows * 8);
        Napi::Int32Array start = Napi::Int32Array::New(env, n + 1);
        Napi::Float64Array t = Napi::Float64Array::New(env, n);
        Napi::Array failed = Napi::Array::New(env);
        size_t row = 0;
        for (size_t i = 0; i < n; i++) {
          const StatsRead& r = (*reads)[i];
          start[i] = static_cast<int32_t>(row);
          t[i] = r.err ? std::nan("") : r.t;
          if (r.err) {
            Napi::Object f = Napi::Object::New(env);
            f.Set("index", Napi::Number::New(env, static_cast<double>(i)));
            f.Set("error", PromiseWorker::MakeError(env, r.message, r.err, "").Value());
            failed.Set(failed.Length(), f);
            continue;
          }
          size_t k = r.cols.ifindex.size();
          if (k) {
            std::memcpy(idx.Data() + row, r.cols.ifindex.data(), k * sizeof(int32_t));
            std::memcpy(vals.Data() + row * 8, r.cols.values.data(), k * 8 * sizeof(double));
          }
          row += k;
        }
        start[n] = static_cast<int32_t>(row);
        Napi::Object out = Napi::Object::New(env);
        out.Set("ifindex", idx);
        out.Set("values", vals);
        out.Set("start", start);
        out.Set("t", t);
        out.Set("failed", failed);
        return out;
      });
}

// openNamespace(path | null): Promise<NamespaceHandle>
Napi::Value OpenNamespaceJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  if (info.Length() >= 1 && info[0].IsString()) {
    path = info[0].As<Napi::String>();
    if (path.empty()) return PromiseWorker::Rejected(env, InvalidArg("openNamespace: path is empty (use null for the own namespace)"));
  } else if (info.Length() >= 1 && !info[0].IsNull() && !info[0].IsUndefined()) {
    return PromiseWorker::Rejected(env, InvalidArg("openNamespace: path must be a string or null"));
  }
  auto result = std::make_shared<std::shared_ptr<NsState>>();
  return PromiseWorker::Start(env, [path, result] { *result = OpenNamespace(path); },
      [result](Napi::Env env) -> Napi::Value {
        auto* data = env.GetInstanceData<AddonData>();
        auto ext = Napi::External<std::shared_ptr<NsState>>::New(env, new std::shared_ptr<NsState>(*result),
            [](Napi::Env, std::shared_ptr<NsState>* p) { delete p; });
        return data->handleCtor.New({ext});
      });
}

// openNamespaces(paths: (string | null)[]): Promise<(NamespaceHandle | Error)[]> — openNamespace for
// many at once (one helper thread enters them in turn: netns.cc); a path that fails gives its Error
// in its place, the others their handles.
Napi::Value OpenNamespacesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    return PromiseWorker::Rejected(env, InvalidArg("openNamespaces: expected an array of paths (string, or null for the own namespace)"));
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<std::string> paths;
  paths.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (v.IsNull()) { paths.emplace_back(); continue; }
    if (!v.IsString())
      return PromiseWorker::Rejected(env, InvalidArg("openNamespaces: entry " + std::to_string(i) + " must be a path string or null"));
    std::string path = v.As<Napi::String>();
    if (path.empty())
      return PromiseWorker::Rejected(env, InvalidArg("openNamespaces: entry " + std::to_string(i) + " is an empty path (use null for the own namespace)"));
    paths.push_back(std::move(path));
  }
  auto results = std::make_shared<std::vector<OpenResult>>();
  return PromiseWorker::Start(env, [paths, results] { *results = OpenNamespaces(paths); },
      [results](Napi::Env env) -> Napi::Value {
        auto* data = env.GetInstanceData<AddonData>();
        Napi::Array out = Napi::Array::New(env, results->size());
        for (size_t i = 0; i < results->size(); i++) {
          OpenResult& r = (*results)[i];
          if (!r.st) {
            out.Set(static_cast<uint32_t>(i), PromiseWorker::MakeError(env, r.message, r.err, "").Value());
            continue;
          }
          auto ext = Napi::External<std::shared_ptr<NsState>>::New(env, new std::shared_ptr<NsState>(std::move(r.st)),
              [](Napi::Env, std::shared_ptr<NsState>* p) { delete p; });
          out.Set(static_cast<uint32_t>(i), data->handleCtor.New({ext}));
        }
        return out;
      });
}

std::vector<std::string> NameList(const Napi::CallbackInfo& info, const char* fn) {
  std::vector<std::string> names;
  Napi::Value v = info.Length() ? info[0] : info.Env().Undefined();
  if (v.IsString()) {
    names.push_back(v.As<Napi::String>());
  } else if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value e = a.Get(i);
      if (!e.IsString()) throw InvalidArg(std::string(fn) + ": every name must be a string");
      names.push_back(e.As<Napi::String>());
    }
  } else {
    throw InvalidArg(std::string(fn) + ": expected a name or an array of names");
  }
  for (auto& n : names) CheckNetnsName(n);
  return names;
}

// createNamedNamespace(name | names[]): Promise<void> — what `ip netns add` does.
Napi::Value CreateNamedNamespaceJs(const Napi::CallbackInfo& info) {
  std::vector<std::string> names;
  try { names = NameList(info, "createNamedNamespace"); } catch (const SysError& e) { return PromiseWorker::Rejected(info.Env(), e); }
  return PromiseWorker::Start(info.Env(), [names] { CreateNamedNamespaces(names); }, nullptr);
}

// deleteNamedNamespace(name | names[]): Promise<void> — what `ip netns del` does.
Napi::Value DeleteNamedNamespaceJs(const Napi::CallbackInfo& info) {
  std::vector<std::string> names;
  try { names = NameList(info, "deleteNamedNamespace"); } catch (const SysError& e) { return PromiseWorker::Rejected(info.Env(), e); }
  return PromiseWorker::Start(info.Env(), [names] { DeleteNamedNamespaces(names); }, nullptr);
}

// setSysctl(nsPath | null, key, value): Promise<void>
Napi::Value SetSysctlJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !(info[0].IsString() || info[0].IsNull()) || !info[1].IsString() || !info[2].IsString())
    return PromiseWorker::Rejected(env, InvalidArg("setSysctl(nsPath | null, key, value): wrong argument types"));
  std::string ns = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  std::string key = info[1].As<Napi::String>(), value = info[2].As<Napi::String>();
  return PromiseWorker::Start(env, [ns, key, value] { SetSysctl(ns, key, value); }, nullptr);
}

// createTunTap({name, mode, persist, owner?, group?, nsPath?}): Promise<void>
Napi::Value CreateTunTapJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TunTapSpec spec;
  try { spec = ParseTunTap(info); } catch (const SysError& e) { return PromiseWorker::Rejected(env, e); }
  auto index = std::make_shared<int>(0);
  return PromiseWorker::Start(env, [spec, index] { *index = CreateTunTap(spec); },
                              [index](Napi::Env env) -> Napi::Value {
                                Napi::Object r = Napi::Object::New(env);
                                r.Set("index", Napi::Number::New(env, *index));
                                return r;
                              });
}

// Each namespace handle holds three descriptors (namespace, request and event sockets); a machine
// with many container namespaces exceeds the usual soft limit of 1,024. Raise the soft limit to
// the hard one (never lowering anything), as Go's runtime does for the same reason.
void RaiseFdLimit() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

Napi::Object InitImpl(Napi::Env env, Napi::Object exports) {
  RaiseFdLimit();
  auto* data = new AddonData();
  data->handleCtor = Napi::Persistent(Handle::Define(env));
  data->events = std::make_shared<EventHub>(env);
  env.SetInstanceData(data);
  exports.Set("openNamespace", Napi::Function::New(env, OpenNamespaceJs, "openNamespace"));
  exports.Set("openNamespaces", Napi::Function::New(env, OpenNamespacesJs, "openNamespaces"));
  exports.Set("dumpStatsMany", Napi::Function::New(env, DumpStatsManyJs, "dumpStatsMany"));
  exports.Set("getNsidsMany", Napi::Function::New(env, GetNsidsManyJs, "getNsidsMany"));
  exports.Set("createNamedNamespace", Napi::Function::New(env, CreateNamedNamespaceJs, "createNamedNamespace"));
  exports.Set("deleteNamedNamespace", Napi::Function::New(env, DeleteNamedNamespaceJs, "deleteNamedNamespace"));
  exports.Set("setSysctl", Napi::Function::New(env, SetSysctlJs, "setSysctl"));
  exports.Set("createTunTap", Napi::Function::New(env, CreateTunTapJs, "createTunTap"));
  RegisterProcEvents(env, exports);
  RegisterProcScan(env, exports);
  // Captures enter a namespace through the handle the engine already holds for it.
  RegisterCapture(env, exports, std::make_shared<CaptureHub>(env), [](Napi::Value v) -> std::shared_ptr<NsState> {
    Napi::Function ctor = v.Env().GetInstanceData<AddonData>()->handleCtor.Value();
    Handle* h = v.IsObject() && v.As<Napi::Object>().InstanceOf(ctor) ? UnwrapHandle(v.As<Napi::Object>()) : nullptr;
    return h ? h->State() : nullptr;
  });
  // So does a traced ping (ping.cc).
  RegisterPing(env, exports, [](Napi::Value v) -> std::shared_ptr<NsState> {
    Napi::Function ctor = v.Env().GetInstanceData<AddonData>()->handleCtor.Value();
    Handle* h = v.IsObject() && v.As<Napi::Object>().InstanceOf(ctor) ? UnwrapHandle(v.As<Napi::Object>()) : nullptr;
    return h ? h->State() : nullptr;
  });
  return exports;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) { return InitImpl(env, exports); }
}  // namespace vnet

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return vnet::Init(env, exports); }
NODE_API_MODULE(vnet_native, InitAll)
