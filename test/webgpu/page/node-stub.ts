// Stands in for node:fs, node:v8 and node:module in the browser bundle: the wasm kernel loader and the installed-package
// probe are imported with the model but never called on the page (it uses the webgpu and cpu backends only).
const absent = (name: string) => () => {
  throw new Error(`${name} is not available in the WebGPU test page`);
};
export const readFileSync = absent('readFileSync');
export const setFlagsFromString = absent('setFlagsFromString');
export const createRequire = absent('createRequire');
export default {};
export const spawn = absent('spawn');
