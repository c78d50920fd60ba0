#include "proc_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "error.h"
#include "worker.h"

namespace vnet {

namespace {

struct ProcScan {
  std::vector<int32_t> pids;
  std::vector<double> inodes;
  uint32_t unreadable = 0;  // refused (another user's process, when not privileged)
};

// The inode of the namespace "PID/ns/net" (relative to /proc's descriptor) links to: it reads as
// "net:[INODE]". 0 when it cannot be read; `refused` says whether that was a refusal (the process
// exists) rather than an exit.
double NetInode(int procFd, int32_t pid, bool* refused) {
  char path[32];
  std::snprintf(path, sizeof path, "%d/ns/net", pid);
  char buf[64];
  ssize_t n = readlinkat(procFd, path, buf, sizeof buf - 1);
  if (n < 0) {
    *refused = errno == EACCES || errno == EPERM;
    return 0;
  }
  buf[n] = '\0';
  if (std::strncmp(buf, "net:[", 5) != 0) return 0;
  char* end = nullptr;
  unsigned long long ino = std::strtoull(buf + 5, &end, 10);
  return end && *end == ']' && ino > 0 ? static_cast<double>(ino) : 0;
}

// keepPids (sorted) are processes whose namespace the caller keeps from before (keepInodes[i] is
// keepPids[i]'s): listed with it, not read again, if they still exist.
ProcScan Scan(const int32_t* keepPids, const double* keepInodes, size_t nkeep) {
  int procFd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (procFd < 0) throw SysError(errno, "scanProcNet: open /proc");
  DIR* dir = fdopendir(dup(procFd));
  if (!dir) {
    int err = errno;
    close(procFd);
    throw SysError(err, "scanProcNet: read /proc");
  }
  ProcScan out;
  out.pids.reserve(nkeep + 64);
  out.inodes.reserve(nkeep + 64);
  const int32_t* keepEnd = keepPids + nkeep;
  while (dirent* e = readdir(dir)) {
    const char* s = e->d_name;
    if (*s < '0' || *s > '9') continue;
    char* end = nullptr;
    long pid = std::strtol(s, &end, 10);
    if (*end != '\0' || pid <= 0 || pid > INT32_MAX) continue;
    const int32_t p = static_cast<int32_t>(pid);
    const int32_t* k = std::lower_bound(keepPids, keepEnd, p);
    double inode;
    if (k != keepEnd && *k == p) {
      inode = keepInodes[k - keepPids];
    } else {
      bool refused = false;
      inode = NetInode(procFd, p, &refused);
      if (inode == 0) {
        if (refused) out.unreadable++;
        continue;
      }
    }
    out.pids.push_back(p);
    out.inodes.push_back(inode);
  }
  closedir(dir);
  close(procFd);
  // /proc lists processes by pid; sorted here all the same, as the caller relies on it.
  if (!std::is_sorted(out.pids.begin(), out.pids.end())) {
    std::vector<size_t> order(out.pids.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return out.pids[a] < out.pids[b]; });
    ProcScan sorted;
    sorted.unreadable = out.unreadable;
    for (size_t i : order) { sorted.pids.push_back(out.pids[i]); sorted.inodes.push_back(out.inodes[i]); }
    return sorted;
  }
  return out;
}

// scanProcNet(keep?: { pids: Int32Array, inodes: Float64Array }):
//   { pids: Int32Array, inodes: Float64Array, unreadable: number }
// Synchronous: the pass is a few milliseconds of system calls, and discovery's callers want its
// answer at once. The arrays are JS-owned copies.
Napi::Value ScanProcNetJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int32_t* keepPids = nullptr;
  const double* keepInodes = nullptr;
  size_t nkeep = 0;
  if (info.Length() >= 1 && !info[0].IsUndefined() && !info[0].IsNull()) {
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "scanProcNet(keep?): keep must be an object { pids, inodes }");
    Napi::Object keep = info[0].As<Napi::Object>();
    Napi::Value p = keep.Get("pids"), i = keep.Get("inodes");
    if (!p.IsTypedArray() || p.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw Napi::TypeError::New(env, "scanProcNet: keep.pids must be an Int32Array");
    if (!i.IsTypedArray() || i.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      throw Napi::TypeError::New(env, "scanProcNet: keep.inodes must be a Float64Array");
    Napi::Int32Array pa = p.As<Napi::Int32Array>();
    Napi::Float64Array ia = i.As<Napi::Float64Array>();
    if (pa.ElementLength() != ia.ElementLength())
      throw Napi::RangeError::New(env, "scanProcNet: keep.pids and keep.inodes must have the same length");
    keepPids = pa.Data();
    keepInodes = ia.Data();
    nkeep = pa.ElementLength();
    for (size_t k = 1; k < nkeep; k++) {
      if (keepPids[k - 1] >= keepPids[k])
        throw Napi::RangeError::New(env, "scanProcNet: keep.pids must be in ascending order without repeats");
    }
  }
  ProcScan r;
  try {
    r = Scan(keepPids, keepInodes, nkeep);
  } catch (const SysError& e) {
    throw PromiseWorker::MakeError(env, e.what(), e.err(), e.extack());
  }
  Napi::Int32Array pids = Napi::Int32Array::New(env, r.pids.size());
  Napi::Float64Array inodes = Napi::Float64Array::New(env, r.inodes.size());
  if (!r.pids.empty()) {
    std::memcpy(pids.Data(), r.pids.data(), r.pids.size() * sizeof(int32_t));
    std::memcpy(inodes.Data(), r.inodes.data(), r.inodes.size() * sizeof(double));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pids", pids);
  out.Set("inodes", inodes);
  out.Set("unreadable", Napi::Number::New(env, r.unreadable));
  return out;
}

// readComm(pid): string | null — /proc/PID/comm without its newline (null: the process is gone or
// refused). A label read per process namespace, up to a hundred a pass: through Node's fs each cost
// three calls' worth of argument checks and error objects on top of the kernel's work.
Napi::Value ReadCommJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "readComm(pid): pid must be a number");
  double v = info[0].As<Napi::Number>().DoubleValue();
  if (!(v >= 1 && v <= INT32_MAX) || v != static_cast<double>(static_cast<int32_t>(v)))
    throw Napi::RangeError::New(env, "readComm(pid): pid must be a whole number from 1 to 2^31-1");
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/comm", static_cast<int32_t>(v));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return env.Null();
  char buf[64];  // TASK_COMM_LEN is 16
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n < 0) return env.Null();
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) n--;
  return Napi::String::New(env, buf, static_cast<size_t>(n));
}

}  // namespace

void RegisterProcScan(Napi::Env env, Napi::Object exports) {
  exports.Set("scanProcNet", Napi::Function::New(env, ScanProcNetJs, "scanProcNet"));
  exports.Set("readComm", Napi::Function::New(env, ReadCommJs, "readComm"));
}

}  // namespace vnet
