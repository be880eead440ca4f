import type { CaptureDetector } from '../audio/worklet-protocol';
import { EarshotError } from '../errors';
import type { LLM } from '../providers/types';
import type { AgentSession } from '../session/agent-session';
import type { SessionVoiceMail } from '../session/extensions';
import type { SessionAudio } from '../session/session-audio';

/** A beep after the greeting: when it ended (audio time, s), how long it was, its pitch. */
export interface VoicemailBeep {
  at: number;
  durationSec: number;
  hz: number;
}

export interface VoiceMailDetectorOptions {
  /** Classifies the transcript: the reply is read as voicemail when it contains "yes". */
  llm: LLM;
  /** Called once, with no arguments, when the call is a voicemail (e.g. leave a message, or hang up). */
  callback: () => void | PromiseLike<unknown>;
  /** Seconds of transcript to classify, counted from the first final transcript. Default 2. */
  duration?: number;
  /** Replaces the system prompt (it must ask for a yes/no answer: yes = voicemail). */
  customPrompt?: string;
  /**
   * Called for each beep (a steady 0.3–1.5 s tone, 400–2000 Hz) heard after the callee spoke:
   * speak the message now. Beeps are listened for only when this is given.
   */
  onBeep?: (beep: VoicemailBeep) => void;
}

const PROMPT =
  'You are classifying an outbound phone call. Given the first words spoken by the callee, decide whether a human answered or a voicemail / answering machine greeting is playing. Answer only "yes" if it is a voicemail, or "no" if a human answered.';

/**
 * Voicemail detection for an `AgentSession` (the seed's `VoiceMailDetector`): the first
 * `duration` seconds of the callee's transcript go to the LLM once; when it says voicemail,
 * the session stops speaking and stops answering the callee (a greeting is not a conversation:
 * answers to it, running or waiting, are dropped, and later speech starts no turn), emits
 * `voicemail_classified`, `session.isVoicemailDetected` becomes true and `callback()` runs.
 * The agent speaks again only through `say()`/`reply()` (leave the message from `onBeep`).
 * Until the classification, transcripts are answered as usual. With `onBeep`, beeps after the
 * greeting are reported (`voicemail_beep_detected`).
 *
 * ```ts
 * const vm = new VoiceMailDetector({ llm, callback: () => {}, onBeep: () => session.say('Hi, this is…') });
 * const session = new AgentSession(agent, pipeline, { voiceMailDetector: vm });
 * ```
 */
export class VoiceMailDetector implements SessionVoiceMail {
  readonly detectors: readonly CaptureDetector[];
  readonly #o: VoiceMailDetectorOptions;
  #detected = false;
  /** Classification started (it runs once per detector). */
  #started = false;
  #heard: string[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #abort: AbortController | null = null;

  constructor(options: VoiceMailDetectorOptions) {
    this.#o = options;
    this.detectors = options.onBeep ? ['beep'] : [];
  }

  /** The call was classified as a voicemail. */
  get detected(): boolean {
    return this.#detected;
  }

  attach(session: AgentSession<SessionAudio>, listen: (on: boolean) => void): () => void {
    let spoke = false;
    const offs = [
      session.on('user_speech_started', () => void (spoke = true)),
      session.on('user_transcript', (e) => {
        if (!e.final || !e.text.trim()) return;
        spoke = true;
        if (!this.#started) {
          this.#started = true;
          this.#timer = setTimeout(() => void this.#classify(session, listen), (this.#o.duration ?? 2) * 1000);
        }
        if (this.#timer) this.#heard.push(e.text.trim());
      }),
    ];
    const onBeep = this.#o.onBeep;
    if (onBeep) {
      offs.push(
        session.audio.on('beep_detected', (beep) => {
          if (!spoke) return; // a tone before anyone spoke is not the greeting's beep
          session.emit('voicemail_beep_detected', beep);
          onBeep(beep);
        }),
      );
    }
    return () => {
      for (const off of offs) off();
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#abort?.abort();
    };
  }

  async #classify(session: AgentSession<SessionAudio>, listen: (on: boolean) => void): Promise<void> {
    this.#timer = null;
    const text = this.#heard.join(' ');
    const abort = (this.#abort = new AbortController());
    let reply = '';
    try {
      const now = Date.now();
      const items = [
        { type: 'message', id: 'vm-system', role: 'system', content: this.#o.customPrompt ?? PROMPT, createdAt: now },
        { type: 'message', id: 'vm-user', role: 'user', content: `Text to classify: ${text}`, createdAt: now },
      ] as const;
      for await (const chunk of this.#o.llm.chat({ items, tools: [], signal: abort.signal })) if (chunk.type === 'text') reply += chunk.delta;
    } catch {
      reply = ''; // as the seed: a failed classification is not a voicemail
    }
    if (abort.signal.aborted) return;
    const isVoicemail = reply.toLowerCase().includes('yes');
    if (isVoicemail) {
      // The seed interrupts only what plays: an answer waiting behind it (the greeting's second
      // sentence, heard as a turn of its own) then spoke over the machine.
      listen(false);
      session.interrupt({ force: true });
      this.#detected = true;
    }
    session.emit('voicemail_classified', { isVoicemail, text });
    if (!isVoicemail) return;
    try {
      await this.#o.callback();
    } catch (cause) {
      session.emit('error', { error: new EarshotError('session-failed', `The voicemail callback failed: ${String(cause)}`, { cause }), source: 'session' });
    }
  }
}
