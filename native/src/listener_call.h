// Calling a JS listener from a ThreadSafeFunction's callback (the event, capture and process-event
// threads' batches).
#pragma once

#include <napi.h>

#include <initializer_list>

// Calls `f` with `args`. When the listener throws: exceptions escaping an N-API callback are only
// warned about by default, so it is rethrown from a microtask, which Node reports as an ordinary
// uncaughtException.
inline void CallListener(Napi::Env env, const Napi::Function& f, std::initializer_list<napi_value> args) {
  try {
    f.Call(args);
  } catch (const Napi::Error& e) {
    Napi::Value err = e.Value();
    env.RunScript("(e) => queueMicrotask(() => { throw e; })").As<Napi::Function>().Call({err});
  }
}
