// A small OTLP/HTTP JSON trace receiver (POST /v1/traces), strict about the shapes a real
// collector accepts (opentelemetry-proto's JSON mapping): resourceSpans → scopeSpans →
// spans, 32/16-hex trace and span ids, times as decimal strings of nanoseconds, attributes as
// { key, value: { stringValue | intValue (decimal string) | doubleValue | boolValue } }. A body
// that breaks them gets a 400 with the reason, as the collector's decoder would.

const HEX = (n) => new RegExp(`^[0-9a-f]{${n}}$`);
const NANOS = /^[1-9][0-9]{0,19}$/;

/** Checks one ExportTraceServiceRequest; returns its spans flattened, or throws with the reason. */
export function parseOtlpTraces(body) {
  if (!body || !Array.isArray(body.resourceSpans)) throw new Error('resourceSpans must be an array');
  const out = [];
  for (const rs of body.resourceSpans) {
    const resource = attributes(rs.resource?.attributes ?? [], 'resource');
    if (!Array.isArray(rs.scopeSpans)) throw new Error('scopeSpans must be an array');
    for (const ss of rs.scopeSpans) {
      if (typeof ss.scope?.name !== 'string') throw new Error('scope.name must be a string');
      for (const s of ss.spans ?? []) {
        if (!HEX(32).test(s.traceId ?? '')) throw new Error(`traceId must be 32 lowercase hex digits, got ${s.traceId}`);
        if (!HEX(16).test(s.spanId ?? '')) throw new Error(`spanId must be 16 lowercase hex digits, got ${s.spanId}`);
        if (s.parentSpanId !== undefined && s.parentSpanId !== '' && !HEX(16).test(s.parentSpanId)) throw new Error(`parentSpanId must be 16 hex digits, got ${s.parentSpanId}`);
        if (typeof s.name !== 'string' || !s.name) throw new Error('span name must be a non-empty string');
        for (const k of ['startTimeUnixNano', 'endTimeUnixNano']) if (typeof s[k] !== 'string' || !NANOS.test(s[k])) throw new Error(`${k} must be a decimal string, got ${JSON.stringify(s[k])}`);
        if (BigInt(s.endTimeUnixNano) < BigInt(s.startTimeUnixNano)) throw new Error(`span ${s.name} ends before it starts`);
        if (s.kind !== undefined && ![0, 1, 2, 3, 4, 5].includes(s.kind)) throw new Error(`bad span kind ${s.kind}`);
        if (s.status !== undefined && ![0, 1, 2].includes(s.status.code ?? 0)) throw new Error(`bad status code ${s.status.code}`);
        out.push({
          traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || null, name: s.name, kind: s.kind ?? 0,
          start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano),
          attributes: attributes(s.attributes ?? [], `span ${s.name}`), status: s.status ?? { code: 0 },
          resource, scope: ss.scope.name,
        });
      }
    }
  }
  return out;
}

function attributes(list, where) {
  if (!Array.isArray(list)) throw new Error(`${where}: attributes must be an array`);
  const o = {};
  for (const a of list) {
    if (typeof a.key !== 'string') throw new Error(`${where}: attribute without key`);
    const v = a.value ?? {};
    const kinds = Object.keys(v);
    if (kinds.length !== 1) throw new Error(`${where}: attribute ${a.key} must have exactly one value field`);
    const [kind] = kinds;
    if (kind === 'stringValue' && typeof v.stringValue === 'string') o[a.key] = v.stringValue;
    else if (kind === 'boolValue' && typeof v.boolValue === 'boolean') o[a.key] = v.boolValue;
    else if (kind === 'doubleValue' && typeof v.doubleValue === 'number') o[a.key] = v.doubleValue;
    else if (kind === 'intValue' && (typeof v.intValue === 'string' ? /^-?\d+$/.test(v.intValue) : Number.isInteger(v.intValue))) o[a.key] = Number(v.intValue);
    else throw new Error(`${where}: attribute ${a.key} has a bad value ${JSON.stringify(v)}`);
  }
  return o;
}

/**
 * The receiver's state and its handler for POST /v1/traces. `spans`: everything received, in
 * order; `requests`: one entry per POST (status, error); `failNext(status)`: the next export
 * gets that status (a collector that is down or overloaded), or with `'hang'` no answer at all
 * (held until the client gives up).
 */
export function createOtlpReceiver() {
  const state = { spans: [], requests: [], faults: [] };
  return {
    get spans() { return state.spans; },
    get requests() { return state.requests; },
    failNext(status) { state.faults.push(status); },
    reset() { state.spans = []; state.requests = []; state.faults = []; },
    /** Handles one request (CORS already set by the caller); resolves when answered. */
    handle(req, res) {
      return new Promise((resolve) => {
        const parts = [];
        req.on('data', (d) => parts.push(d));
        req.on('end', () => {
          const answer = (status, body) => {
            state.requests.push({ status, error: status === 200 ? null : body.message, contentType: req.headers['content-type'] ?? null });
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
            resolve(undefined);
          };
          const fault = state.faults.shift();
          if (fault === 'hang') {
            state.requests.push({ status: 0, error: 'held (scripted hang)', contentType: req.headers['content-type'] ?? null });
            req.socket.once('close', () => resolve(undefined));
            return;
          }
          if (fault) return answer(fault, { code: 14, message: 'unavailable (scripted)' });
          if (req.method !== 'POST') return answer(405, { code: 3, message: 'POST only' });
          if (!/^application\/json\b/.test(String(req.headers['content-type']))) return answer(415, { code: 3, message: 'content-type must be application/json' });
          try {
            state.spans.push(...parseOtlpTraces(JSON.parse(Buffer.concat(parts).toString())));
          } catch (e) {
            return answer(400, { code: 3, message: String(e?.message ?? e) });
          }
          answer(200, { partialSuccess: {} });
        });
      });
    },
  };
}
