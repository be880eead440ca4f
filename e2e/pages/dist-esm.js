import * as Core from './earshot/earshot.js';
import * as OpenAI from './earshot/openai.js';
window.EarshotESM = { ...Core, ...OpenAI };
