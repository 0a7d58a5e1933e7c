export { writeGguf, type GgufTensorToWrite } from "./write-gguf.js";
export { openGguf, type GgufFile, type GgufTensor } from "./open-gguf.js";
export { ggmlTensorBytes } from "./ggml-tensor-bytes.js";
export { parseGgufHeader, type GgufTensorInfo } from "./parse-gguf-header.js";
export {
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  type GgmlWriteType,
  type GgufMetadataEntry,
  type GgufScalar,
  type GgufScalarType,
} from "./gguf-types.js";
