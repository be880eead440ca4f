// Runs before any module of a bench page (classic script): records what the SDK creates
// (AudioContexts, AudioNodes, workers, mic tracks) weakly, so leaks can be counted after
// close(), and main-thread long tasks. Bench-only: never part of the shipped bundle.
(() => {
  const P = {
    longtasks: [],
    nodes: [], // WeakRef<AudioNode>
    contexts: [], // WeakRef<AudioContext>
    workers: [], // { url, ref: WeakRef<Worker>, terminated }
    tracks: [], // WeakRef<MediaStreamTrack> from getUserMedia (a strong ref would keep the SDK's listeners alive)
    ignore: new WeakSet(), // nodes the bench itself made (taps)
  };
  window.P = P;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) P.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    P.longtasksUnsupported = true;
  }
  performance.setResourceTimingBufferSize(100000);

  const isNode = (x) => x instanceof AudioNode;
  const remember = (n) => {
    if (isNode(n)) P.nodes.push(new WeakRef(n));
    return n;
  };
  // Factory methods (ctx.createGain(), ...).
  for (const proto of [BaseAudioContext.prototype, AudioContext.prototype]) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (!name.startsWith('create')) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof desc?.value !== 'function') continue;
      const orig = desc.value;
      proto[name] = function (...args) {
        return remember(orig.apply(this, args));
      };
    }
  }
  // Constructors (new AudioWorkletNode(ctx, ...), new GainNode(ctx), ...).
  for (const name of Object.getOwnPropertyNames(window)) {
    if (!/Node$/.test(name)) continue;
    const C = window[name];
    if (typeof C !== 'function' || !(C.prototype instanceof AudioNode)) continue;
    const Wrapped = class extends C {
      constructor(...args) {
        super(...args);
        P.nodes.push(new WeakRef(this));
      }
    };
    Object.defineProperty(Wrapped, 'name', { value: name });
    window[name] = Wrapped;
  }
  const Ctx = window.AudioContext;
  window.AudioContext = class AudioContext extends Ctx {
    constructor(...args) {
      super(...args);
      P.contexts.push(new WeakRef(this));
    }
  };
  const W = window.Worker;
  window.Worker = class Worker extends W {
    constructor(url, options) {
      super(url, options);
      const rec = { url: String(url), ref: new WeakRef(this), terminated: false };
      P.workers.push(rec);
      const terminate = this.terminate.bind(this);
      this.terminate = () => {
        rec.terminated = true;
        terminate();
      };
    }
  };
  // Call times of fetch() (a pass-through: the response is untouched).
  P.fetches = [];
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    P.fetches.push({ url: String(input?.url ?? input), t: performance.now() });
    return fetch0.apply(this, arguments);
  };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await gum(constraints);
    for (const t of stream.getTracks()) P.tracks.push(new WeakRef(t));
    return stream;
  };

  /** What is still alive (call after close() and a forced GC). */
  P.census = () => ({
    audioNodesCreated: P.nodes.length,
    audioNodesAlive: P.nodes.filter((r) => {
      const n = r.deref();
      return n && !P.ignore.has(n);
    }).length,
    audioNodesAliveTypes: P.nodes.map((r) => r.deref()).filter((n) => n && !P.ignore.has(n)).map((n) => n.constructor.name),
    audioContextsCreated: P.contexts.length,
    audioContextsNotClosed: P.contexts.map((r) => r.deref()).filter((c) => c && c.state !== 'closed').length,
    workersCreated: P.workers.length,
    workersAliveInPage: P.workers.filter((w) => w.ref.deref() && !w.terminated).length,
    micTracks: P.tracks.length,
    micTracksLive: P.tracks.map((r) => r.deref()).filter((t) => t && t.readyState === 'live').length,
    micTracksAlive: P.tracks.filter((r) => r.deref()).length,
  });
})();
