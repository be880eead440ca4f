import * as Earshot from './earshot/earshot.js';
window.EarshotESM = Earshot;
