// Public surface of `earshot/a2a`: agents of one page ask each other (the seed's A2A, as an
// in-memory bus): cards, a registry with discovery by domain or capability, messages and
// replies, headless specialists, and a tool that consults one. Its own entry: none of it
// reaches the core bundle.
export { AgentRegistry, agentRegistry, A2AError, type AgentCard, type A2AMessage, type A2ATarget, type A2AErrorCode } from './registry';
export { A2AProtocol, A2AAgent, a2aOf, ASK_TIMEOUT_MS, type A2AProtocolOptions, type A2AAgentOptions, type A2AHandler, type A2AHandlerContext, type AskOptions } from './protocol';
export { answerHeadless, type HeadlessOptions } from './headless';
export { consultTool, type ConsultToolOptions } from './consult';
