# Builds native/build/Release/vnet_native.node: rtnetlink from C++ with node-addon-api.
# Netlink uses only the kernel's uapi headers (no libnl/libmnl); captures link libpcap for its
# filter compiler, so a build needs libpcap's headers (Debian: libpcap-dev).
{
  "targets": [
    {
      "target_name": "vnet_native",
      "sources": [
        "src/nl_codec.cc",
        "src/nl_socket.cc",
        "src/netns.cc",
        "src/translate.cc",
        "src/stats.cc",
        "src/poll_thread.cc",
        "src/events.cc",
        "src/proc_events.cc",
        "src/proc_scan.cc",
        "src/link_table.cc",
        "src/mutate_request.cc",
        "src/tuntap.cc",
        "src/mutate_batch.cc",
        "src/mutate_results.cc",
        "src/mutate_parse.cc",
        "src/capture_socket.cc",
        "src/capture_hub.cc",
        "src/capture_js.cc",
        "src/ping.cc",
        "src/addon.cc"
      ],
      "libraries": ["-lpcap"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++1y", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-O2"]
    }
  ]
}
