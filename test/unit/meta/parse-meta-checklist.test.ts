import { describe, expect, it } from "vitest";
import { parseMetaChecklist } from "../../../src/sources/meta/parse-meta-checklist.js";

const A = "eeec4125e9c7560836b4873b6f8e3025";
const B = "0123456789abcdef0123456789ABCDEF";

describe("parseMetaChecklist", () => {
  it("reads md5sum text and binary lines, ./ prefixes and CRLF", () => {
    expect(parseMetaChecklist({ name: "c", text: `${A}  consolidated.00.pth\r\n${B} *./params.json\n\n` })).toEqual([
      { md5: A, path: "consolidated.00.pth" },
      { md5: B.toLowerCase(), path: "params.json" },
    ]);
  });
  it.each(["../evil", "/etc/passwd", "a/../../b", "C:/x", "..\\x", "a//b"])("refuses the path %s", (p) => {
    expect(() => parseMetaChecklist({ name: "llama-2-7b/checklist.chk", text: `${A}  ${p}\n` })).toThrow(
      "llama-2-7b/checklist.chk line 1 names a path outside its folder; refusing to use it.",
    );
  });
  it("recognises an HTML page saved as a checklist (the Facebook redirect case)", () => {
    expect(() => parseMetaChecklist({ name: "checklist.chk", text: "<!DOCTYPE html><html>..." })).toThrow(/HTML/);
  });
  it("refuses malformed and empty lists", () => {
    expect(() => parseMetaChecklist({ name: "c", text: "abc  x\n" })).toThrow(/line 1 is not an md5sum line/);
    expect(() => parseMetaChecklist({ name: "c", text: "\n" })).toThrow(/no md5 lines/);
  });
});
