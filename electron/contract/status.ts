// What the engine says about itself (`hello`, `status`) and what a host says about the engine
// (`host` notices, from the Electron main process or the web host, not the engine).

export interface EngineStatus {
  version: string;
  pid: number;
  privileged: boolean;
  /** Plain words on what the engine cannot see or do, and why; null when it has full access. */
  limitation: string | null;
  /** Counters of namespaces a client looks at are read at sampleHz, the others at lowSampleHz. */
  sampleHz: number;
  lowSampleHz: number;
  namespaces: number;
  interfaces: number;
}

export interface HostNotice {
  /** Is the engine process running and answering? */
  engineConnected: boolean;
  /** What happened, in words for the status bar ("engine exited (signal SIGKILL); restarting"). */
  message: string | null;
}
