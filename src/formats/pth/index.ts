export { openPth } from "./open-pth.js";
