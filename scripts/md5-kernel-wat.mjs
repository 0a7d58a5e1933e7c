/**
 * The WebAssembly text of llamagate's md5 kernels (issue 20 item 3), assembled by scripts/build-md5-kernel.mjs into
 * src/verify/md5-kernel-wasm.ts and by scripts/bench-md5-multibuffer.mjs for timing. Exports:
 *   memory;
 *   md5x4(state, p0, p1, p2, p3, blocks): four md5 streams per pass, one per i32x4 lane: `state` is 4 v128 (a, b,
 *     c, d; lane k = stream k), p0..p3 the streams' next `blocks` 64-byte blocks;
 *   md5x1(state, lane, p, blocks): one lane's stream alone (scalar), on the same state layout.
 */
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

/** The module's WAT; `pages` of 64 KiB of memory. */
export function md5KernelWat({ pages }) {
  const L = [];
  const v = (x) => `(local.get $${x})`;
  L.push(`(module (memory (export "memory") ${pages})`);
  L.push(
    `(func (export "md5x4") (param $st i32) (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $n i32)`,
  );
  L.push(`(local $a v128) (local $b v128) (local $c v128) (local $d v128)`);
  L.push(`(local $sa v128) (local $sb v128) (local $sc v128) (local $sd v128) (local $t v128)`);
  for (let j = 0; j < 16; j++) L.push(`(local $m${j} v128)`);
  L.push(`(local.set $a (v128.load offset=0 (local.get $st)))`);
  L.push(`(local.set $b (v128.load offset=16 (local.get $st)))`);
  L.push(`(local.set $c (v128.load offset=32 (local.get $st)))`);
  L.push(`(local.set $d (v128.load offset=48 (local.get $st)))`);
  L.push(`(block $done (loop $next`);
  L.push(`(br_if $done (i32.eqz (local.get $n)))`);
  for (let j = 0; j < 16; j++) {
    const ld = (p) => `(i32.load offset=${4 * j} (local.get $${p}))`;
    L.push(
      `(local.set $m${j} (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat ${ld("p0")}) ${ld("p1")}) ${ld("p2")}) ${ld("p3")}))`,
    );
  }
  L.push(`(local.set $sa ${v("a")}) (local.set $sb ${v("b")}) (local.set $sc ${v("c")}) (local.set $sd ${v("d")})`);
  let [a, b, c, d] = ["a", "b", "c", "d"];
  for (let i = 0; i < 64; i++) {
    const r = i >> 4;
    let f;
    let g;
    if (r === 0) [f, g] = [`(v128.bitselect ${v(c)} ${v(d)} ${v(b)})`, i];
    else if (r === 1) [f, g] = [`(v128.bitselect ${v(b)} ${v(c)} ${v(d)})`, (5 * i + 1) % 16];
    else if (r === 2) [f, g] = [`(v128.xor ${v(b)} (v128.xor ${v(c)} ${v(d)}))`, (3 * i + 5) % 16];
    else [f, g] = [`(v128.xor ${v(c)} (v128.or ${v(b)} (v128.not ${v(d)})))`, (7 * i) % 16];
    const s = S[r * 4 + (i % 4)];
    L.push(
      `(local.set $t (i32x4.add (i32x4.add ${v(a)} ${f}) (i32x4.add (local.get $m${g}) (i32x4.splat (i32.const ${K[i]})))))`,
    );
    L.push(
      `(local.set $${a} (i32x4.add ${v(b)} (v128.or (i32x4.shl (local.get $t) (i32.const ${s})) (i32x4.shr_u (local.get $t) (i32.const ${32 - s})))))`,
    );
    [a, b, c, d] = [d, a, b, c];
  }
  L.push(`(local.set $a (i32x4.add ${v("a")} ${v("sa")})) (local.set $b (i32x4.add ${v("b")} ${v("sb")}))`);
  L.push(`(local.set $c (i32x4.add ${v("c")} ${v("sc")})) (local.set $d (i32x4.add ${v("d")} ${v("sd")}))`);
  for (const p of ["p0", "p1", "p2", "p3"]) L.push(`(local.set $${p} (i32.add (local.get $${p}) (i32.const 64)))`);
  L.push(`(local.set $n (i32.sub (local.get $n) (i32.const 1)))`);
  L.push(`(br $next)))`);
  L.push(`(v128.store offset=0 (local.get $st) ${v("a")}) (v128.store offset=16 (local.get $st) ${v("b")})`);
  L.push(`(v128.store offset=32 (local.get $st) ${v("c")}) (v128.store offset=48 (local.get $st) ${v("d")})`);
  L.push(`)`);
  md5x1(L);
  L.push(`)`);
  return L.join("\n");
}

/** md5x1(state, lane, p, blocks): the scalar form of the same steps on lane `lane` of the md5x4 state. */
function md5x1(L) {
  const v = (x) => `(local.get $${x})`;
  L.push(`(func (export "md5x1") (param $st i32) (param $lane i32) (param $p i32) (param $n i32)`);
  L.push(`(local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $sa i32) (local $sb i32)`);
  L.push(`(local $sc i32) (local $sd i32)`);
  L.push(`(local.set $st (i32.add (local.get $st) (i32.shl (local.get $lane) (i32.const 2))))`);
  L.push(`(local.set $a (i32.load offset=0 (local.get $st))) (local.set $b (i32.load offset=16 (local.get $st)))`);
  L.push(`(local.set $c (i32.load offset=32 (local.get $st))) (local.set $d (i32.load offset=48 (local.get $st)))`);
  L.push(`(block $done (loop $next`);
  L.push(`(br_if $done (i32.eqz (local.get $n)))`);
  L.push(`(local.set $sa ${v("a")}) (local.set $sb ${v("b")}) (local.set $sc ${v("c")}) (local.set $sd ${v("d")})`);
  let [a, b, c, d] = ["a", "b", "c", "d"];
  for (let i = 0; i < 64; i++) {
    const r = i >> 4;
    let f;
    let g;
    const not = (x) => `(i32.xor ${x} (i32.const -1))`;
    if (r === 0) [f, g] = [`(i32.or (i32.and ${v(b)} ${v(c)}) (i32.and ${not(v(b))} ${v(d)}))`, i];
    else if (r === 1) [f, g] = [`(i32.or (i32.and ${v(d)} ${v(b)}) (i32.and ${not(v(d))} ${v(c)}))`, (5 * i + 1) % 16];
    else if (r === 2) [f, g] = [`(i32.xor ${v(b)} (i32.xor ${v(c)} ${v(d)}))`, (3 * i + 5) % 16];
    else [f, g] = [`(i32.xor ${v(c)} (i32.or ${v(b)} ${not(v(d))}))`, (7 * i) % 16];
    const s = S[r * 4 + (i % 4)];
    L.push(
      `(local.set $${a} (i32.add ${v(b)} (i32.rotl (i32.add (i32.add ${v(a)} ${f}) (i32.add (i32.load offset=${4 * g} (local.get $p)) (i32.const ${K[i]}))) (i32.const ${s}))))`,
    );
    [a, b, c, d] = [d, a, b, c];
  }
  L.push(`(local.set $a (i32.add ${v("a")} ${v("sa")})) (local.set $b (i32.add ${v("b")} ${v("sb")}))`);
  L.push(`(local.set $c (i32.add ${v("c")} ${v("sc")})) (local.set $d (i32.add ${v("d")} ${v("sd")}))`);
  L.push(`(local.set $p (i32.add (local.get $p) (i32.const 64)))`);
  L.push(`(local.set $n (i32.sub (local.get $n) (i32.const 1)))`);
  L.push(`(br $next)))`);
  L.push(`(i32.store offset=0 (local.get $st) ${v("a")}) (i32.store offset=16 (local.get $st) ${v("b")})`);
  L.push(`(i32.store offset=32 (local.get $st) ${v("c")}) (i32.store offset=48 (local.get $st) ${v("d")})`);
  L.push(`)`);
}
