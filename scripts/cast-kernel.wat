;; bf16 → f16 with round-to-nearest-even, 8 elements per step (WebAssembly SIMD).
;; Source of the bytes in src/model/cast-kernel-wasm.ts: regenerate with
;; `node scripts/build-cast-kernel.mjs` (needs `npm i --no-save wabt@1.0.39`).
;; Per element, with a = |x| (15 bits):
;;   a <  0x3880 (|v| < 2^-14): an f16 subnormal: bits of (f32(v) + 0.5) - bits of 0.5 (the FPU rounds to even)
;;   a <  0x4780: a normal f16, exact (bf16's 7 mantissa bits fit f16's 10): (a - 0x3800) << 3
;;   a <= 0x7f80: too large (or Inf): Inf
;;   else NaN: quiet NaN keeping the top payload bits, 0x7e00 | (a & 0x7f) << 3
;; and the sign bit copied. Equal to src/formats/dtype's element-wise rounding for all 65536 inputs
;; (test/unit/convert/cast-kernel.test.ts checks every one).
(module
  (memory (export "memory") 1)
  (func (export "bf16ToF16") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $x v128) (local $a v128) (local $r v128) (local $half v128) (local $t v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (v128.load align=1 (local.get $src)))
        (local.set $a (v128.and (local.get $x) (v128.const i16x8 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff)))
        (local.set $half (v128.const f32x4 0.5 0.5 0.5 0.5))
        ;; fast path: all eight lanes are normal f16 values (t = a - 0x3880 below 0xf00), as almost all weights are
        (local.set $t (i16x8.sub (local.get $a) (v128.const i16x8 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880)))
        (if (i16x8.all_true (i16x8.lt_u (local.get $t) (v128.const i16x8 0x0f00 0x0f00 0x0f00 0x0f00 0x0f00 0x0f00 0x0f00 0x0f00)))
          (then
            (v128.store align=1 (local.get $dst)
              (v128.or
                (i16x8.shl (i16x8.add (local.get $t) (v128.const i16x8 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80)) (i32.const 3))
                (v128.and (local.get $x) (v128.const i16x8 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $next)))
        ;; subnormal candidates (only used where a < 0x3880)
        (local.set $r
          (i16x8.narrow_i32x4_u
            (i32x4.sub (f32x4.add (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $a)) (i32.const 16)) (local.get $half)) (local.get $half))
            (i32x4.sub (f32x4.add (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $a)) (i32.const 16)) (local.get $half)) (local.get $half))))
        ;; normal range
        (local.set $r
          (v128.bitselect
            (local.get $r)
            (i16x8.shl (i16x8.sub (local.get $a) (v128.const i16x8 0x3800 0x3800 0x3800 0x3800 0x3800 0x3800 0x3800 0x3800)) (i32.const 3))
            (i16x8.lt_u (local.get $a) (v128.const i16x8 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880 0x3880))))
        ;; overflow and Inf
        (local.set $r
          (v128.bitselect
            (v128.const i16x8 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00 0x7c00)
            (local.get $r)
            (i16x8.ge_u (local.get $a) (v128.const i16x8 0x4780 0x4780 0x4780 0x4780 0x4780 0x4780 0x4780 0x4780))))
        ;; NaN
        (local.set $r
          (v128.bitselect
            (v128.or
              (v128.const i16x8 0x7e00 0x7e00 0x7e00 0x7e00 0x7e00 0x7e00 0x7e00 0x7e00)
              (i16x8.shl (v128.and (local.get $a) (v128.const i16x8 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f)) (i32.const 3)))
            (local.get $r)
            (i16x8.gt_u (local.get $a) (v128.const i16x8 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80 0x7f80))))
        (v128.store align=1 (local.get $dst)
          (v128.or (local.get $r) (v128.and (local.get $x) (v128.const i16x8 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next)))))
