// The summary of a `summary` handover: its own chunk, loaded when one happens.
import type { ChatItem, LLM } from '../providers/types';

/** How long the summary may take, ms; past it the last messages are carried instead. */
const SUMMARY_MS = 8000;

/** Asks the LLM for a short summary of `messages`; null when it gives none within {@link SUMMARY_MS}. */
export async function summarize(messages: readonly ChatItem[], llm: LLM, parent: AbortSignal): Promise<string | null> {
  const transcript = messages.map((m) => (m.type === 'message' ? `${m.role}: ${m.content}` : '')).join('\n');
  const own = new AbortController();
  const timer = setTimeout(() => own.abort(), SUMMARY_MS);
  const signal = AbortSignal.any([parent, own.signal]);
  const now = Date.now();
  let text = '';
  const request: ChatItem[] = [
    { type: 'message', id: 'summary-system', role: 'system', content: 'Summarize this conversation in at most three sentences, for another assistant who takes over. Keep names, numbers and open requests.', createdAt: now },
    { type: 'message', id: 'summary-user', role: 'user', content: transcript, createdAt: now },
  ];
  try {
    for await (const chunk of llm.chat({ items: request, tools: [], signal, toolChoice: 'none' })) {
      if (signal.aborted) return null;
      if (chunk.type === 'text') text += chunk.delta;
    }
  } finally {
    clearTimeout(timer);
  }
  return signal.aborted ? null : text.trim() || null;
}
