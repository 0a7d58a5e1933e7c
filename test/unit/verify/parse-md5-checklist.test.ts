import { describe, expect, it } from "vitest";
import { parseMd5Checklist } from "../../../src/verify/parse-md5-checklist.js";

const H1 = "0123456789abcdef0123456789abcdef";
const H2 = "FEDCBA9876543210FEDCBA9876543210";

describe("parseMd5Checklist", () => {
  it("reads text and binary lines, ./ prefixes, comments, blank lines and CRLF", () => {
    const text = `# made by md5sum\r\n${H1}  ./consolidated.00.pth\r\n\r\n${H2} *params.json\n${H1}  sub dir/file with spaces.bin\n`;
    expect(parseMd5Checklist({ text, name: "checklist.chk" })).toEqual([
      { md5: H1, path: "consolidated.00.pth", binary: false, line: 2 },
      { md5: H2.toLowerCase(), path: "params.json", binary: true, line: 4 },
      { md5: H1, path: "sub dir/file with spaces.bin", binary: false, line: 5 },
    ]);
  });

  it.each([
    ["absolute", `${H1}  /etc/passwd`],
    ["parent", `${H1}  ../outside.pth`],
    ["nested parent", `${H1}  a/../../outside.pth`],
    ["drive letter", `${H1}  C:/x.pth`],
    ["backslash", `${H1}  ..\\x.pth`],
    ["empty segment", `${H1}  a//b`],
  ])("refuses a path outside the folder (%s)", (_label, line) => {
    expect(() => parseMd5Checklist({ text: line, name: "checklist.chk" })).toThrow(/outside its folder/);
    try {
      parseMd5Checklist({ text: line, name: "checklist.chk" });
    } catch (e) {
      expect(e).toMatchObject({ code: "CHECKLIST_UNSAFE_PATH", category: "integrity" });
    }
  });

  it("names the checklist and line of a malformed line", () => {
    expect(() =>
      parseMd5Checklist({ text: `${H1}  ok.pth\nnot a checksum line\n`, name: "llama-2-7b/checklist.chk" }),
    ).toThrow("llama-2-7b/checklist.chk line 2 is not an md5sum line");
    expect(() => parseMd5Checklist({ text: `${H1.slice(1)}  short.pth`, name: "c.chk" })).toThrow(/line 1/);
  });

  it("recognises an HTML page and an empty list", () => {
    expect(() => parseMd5Checklist({ text: "<!DOCTYPE html><html>quota</html>", name: "c.chk" })).toThrow(/HTML/);
    expect(() => parseMd5Checklist({ text: "\n# nothing\n", name: "c.chk" })).toThrow(/no md5 lines/);
  });
});
