// The briefing agent of a warm transfer (the seed's WarmTransferAgent): it tells the supervisor
// about the caller and waits for their decision, which comes as one of its three tools.
import { Agent } from '../agent/agent';
import { functionTool } from '../tools/function-tool';

/** How a briefing ended: the supervisor takes the call (`ready`), or why not. */
export type BriefingResolution = 'ready' | 'declined' | 'voicemail' | 'supervisor_hung_up' | 'timeout';

const NO_ARGS = { type: 'object', properties: {} } as const;

/** An Agent that briefs the supervisor with `summary` and calls `decide` with their answer. */
export function briefingAgent(summary: string, decide: (resolution: BriefingResolution) => void, extra?: string): Agent {
  const tool = (name: string, description: string, resolution: BriefingResolution, reply: string) =>
    functionTool({
      name,
      description,
      parameters: NO_ARGS,
      execute: () => {
        decide(resolution);
        return reply;
      },
    });
  return new Agent({
    name: 'warm_transfer_briefing',
    instructions: [
      'You are briefing a supervisor on the phone about a caller who is on hold, waiting to be transferred to them.',
      `What the caller needs: ${summary}`,
      'Answer their questions briefly. When they agree to take the call, call done_briefing. If they cannot take it, call decline_transfer. If you hear a voicemail greeting instead of a person, call voicemail_detected.',
      extra ?? '',
    ].join('\n'),
    tools: [
      tool('done_briefing', 'The supervisor is ready to take the call: connect the caller now.', 'ready', 'Connecting the caller now.'),
      tool('decline_transfer', 'The supervisor cannot take the call.', 'declined', 'Understood, the caller stays with the assistant.'),
      tool('voicemail_detected', 'A voicemail answered instead of the supervisor.', 'voicemail', 'Voicemail: the transfer is cancelled.'),
    ],
  });
}
