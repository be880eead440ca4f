// Phone lines inside one page, for the call specs (calls.spec, transfer.spec): a far end (a
// caller or a supervisor) and the agent's end, two RTCPeerConnections joined by loopback, with
// the far end playing a fixture as a phone line delivers it and recording what it hears.
import type { Page } from '@playwright/test';

/** One line as the page sees it (`window.PHONE.line(…)`). */
export interface PhoneLine {
  /** The far end's voice as the agent's peer receives it. */
  input: MediaStreamTrack;
  /** The agent's sender towards the far end (`replaceTrack` to speak on the line). */
  sender: RTCRtpSender;
  /** What the far end hears: RMS per 2048 samples, stamped with performance.now(). */
  heard: { t: number; rms: number }[];
  /** performance.now() of each `say()`. */
  plays: number[];
  /** The far end plays its audio (once per call). */
  say(): void;
  close(): void;
}

/** Runs in the page: the factory behind `window.PHONE`. */
function phone() {
  return {
    /** A fixture resampled to 8 kHz through a 300–3400 Hz band, as a phone line delivers it. */
    async narrowband(ctx: AudioContext, wav: string): Promise<AudioBuffer> {
      const wide = await ctx.decodeAudioData(await fetch(`/e2e/fixtures/generated/${wav}.wav`).then((r) => r.arrayBuffer()));
      const off = new OfflineAudioContext(1, Math.ceil(wide.duration * 8000), 8000);
      const src = off.createBufferSource();
      src.buffer = wide;
      const hp = off.createBiquadFilter();
      hp.type = 'highpass';
      hp.frequency.value = 300;
      const lp = off.createBiquadFilter();
      lp.type = 'lowpass';
      lp.frequency.value = 3400;
      src.connect(hp).connect(lp).connect(off.destination);
      src.start();
      return off.startRendering();
    },
    /** A far end and the agent's peer for it; the far end plays `audio` on `say()` and logs what it hears. */
    async line(ctx: AudioContext, audio: AudioBuffer): Promise<PhoneLine> {
      const out = ctx.createMediaStreamDestination();
      const far = new RTCPeerConnection();
      const near = new RTCPeerConnection();
      far.onicecandidate = (e) => e.candidate && void near.addIceCandidate(e.candidate);
      near.onicecandidate = (e) => e.candidate && void far.addIceCandidate(e.candidate);
      const nearTrack = new Promise<MediaStreamTrack>((resolve) => (near.ontrack = (e) => resolve(e.track)));
      const heard: { t: number; rms: number }[] = [];
      far.ontrack = (e) => {
        const stream = new MediaStream([e.track]);
        const el = new Audio();
        el.muted = true;
        el.srcObject = stream; // Chromium issue 121673: remote audio reaches Web Audio only while an element plays it
        void el.play();
        const node = ctx.createScriptProcessor(2048, 1, 1);
        node.onaudioprocess = (ev) => {
          const x = ev.inputBuffer.getChannelData(0);
          let s = 0;
          for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
          heard.push({ t: performance.now(), rms: Math.sqrt(s / x.length) });
        };
        ctx.createMediaStreamSource(stream).connect(node).connect(ctx.destination);
      };
      far.addTrack(out.stream.getAudioTracks()[0]!, out.stream);
      await far.setLocalDescription(await far.createOffer());
      await near.setRemoteDescription(far.localDescription!);
      const transceiver = near.getTransceivers()[0]!;
      transceiver.direction = 'sendrecv';
      await near.setLocalDescription(await near.createAnswer());
      await far.setRemoteDescription(near.localDescription!);
      const plays: number[] = [];
      return {
        input: await nearTrack,
        sender: transceiver.sender,
        heard,
        plays,
        say: () => {
          const player = ctx.createBufferSource();
          player.buffer = audio;
          player.connect(out);
          player.start();
          plays.push(performance.now());
        },
        close: () => (far.close(), near.close()),
      };
    },
  };
}

/** The page-side phone kit, `window.PHONE`, as {@link installPhoneLines} leaves it. */
export type PhoneKit = ReturnType<typeof phone>;

/** Defines `window.PHONE` (`narrowband(ctx, wav)`, `line(ctx, audio)`) in the page. */
export async function installPhoneLines(page: Page): Promise<void> {
  await page.evaluate(`window.PHONE = (${phone.toString()})()`);
}
