;; The reference forward pass's matrix kernel (WebAssembly SIMD): out = W·x for several vectors at once,
;; f32 weights, f64 activations, f64 accumulation, so the reference keeps its precision. Source of the bytes
;; in src/infer/matmul-kernel-wasm.ts: regenerate with `node scripts/build-matmul-kernel.mjs`.
;;
;; matMulF32(w, rows, cols, x, n, out): w is rows×cols f32 (row-major), x is n×cols f64 (one vector after the
;; other), out[t*rows + r] = Σ_c w[r][c]·x[t][c] (f64). Four vectors share each load of a weight row; each
;; vector keeps two f64 lanes (even and odd columns), added at the end of the row, then the columns past the
;; last multiple of 4 one by one.
;; bf16ToF32(src, dst, n): widen n bf16 values (bits << 16), 8 per step; n a multiple of 8.
(module
  (memory (export "memory") 1)
  (func $dot1 (param $w i32) (param $x i32) (param $cols i32) (result f64)
    (local $c i32) (local $c4 i32) (local $wv v128) (local $acc v128) (local $s f64)
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $c4)))
        (local.set $wv (v128.load align=4 (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $acc
          (f64x2.add (local.get $acc)
            (f64x2.add
              (f64x2.mul (f64x2.promote_low_f32x4 (local.get $wv))
                (v128.load align=8 (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 3)))))
              (f64x2.mul
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $wv) (local.get $wv)))
                (v128.load offset=16 align=8 (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 3))))))))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $next)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    (block $tdone
      (loop $tnext
        (br_if $tdone (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $s
          (f64.add (local.get $s)
            (f64.mul
              (f64.promote_f32 (f32.load (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 2)))))
              (f64.load (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 3)))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $tnext)))
    (local.get $s))
  (func (export "matMulF32") (param $w i32) (param $rows i32) (param $cols i32) (param $x i32) (param $n i32) (param $out i32)
    (local $r i32) (local $t i32) (local $c i32) (local $c4 i32) (local $wrow i32) (local $xs i32) (local $stride i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $xo i32)
    (local $wv v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $stride (i32.shl (local.get $cols) (i32.const 3)))
    (block $rdone
      (loop $rnext
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $wrow (i32.add (local.get $w) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $t (i32.const 0))
        (block $t4done
          (loop $t4next
            (br_if $t4done (i32.gt_u (i32.add (local.get $t) (i32.const 4)) (local.get $n)))
            (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $stride))))
            (local.set $x1 (i32.add (local.get $x0) (local.get $stride)))
            (local.set $x2 (i32.add (local.get $x1) (local.get $stride)))
            (local.set $x3 (i32.add (local.get $x2) (local.get $stride)))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0))
            (local.set $a3 (v128.const i64x2 0 0))
            (local.set $c (i32.const 0))
            (block $cdone
              (loop $cnext
                (br_if $cdone (i32.ge_u (local.get $c) (local.get $c4)))
                (local.set $wv (v128.load align=4 (i32.add (local.get $wrow) (i32.shl (local.get $c) (i32.const 2)))))
                (local.set $lo (f64x2.promote_low_f32x4 (local.get $wv)))
                (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $wv) (local.get $wv))))
                (local.set $xo (i32.shl (local.get $c) (i32.const 3)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.add
                  (f64x2.mul (local.get $lo) (v128.load align=8 (i32.add (local.get $x0) (local.get $xo))))
                  (f64x2.mul (local.get $hi) (v128.load offset=16 align=8 (i32.add (local.get $x0) (local.get $xo)))))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.add
                  (f64x2.mul (local.get $lo) (v128.load align=8 (i32.add (local.get $x1) (local.get $xo))))
                  (f64x2.mul (local.get $hi) (v128.load offset=16 align=8 (i32.add (local.get $x1) (local.get $xo)))))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.add
                  (f64x2.mul (local.get $lo) (v128.load align=8 (i32.add (local.get $x2) (local.get $xo))))
                  (f64x2.mul (local.get $hi) (v128.load offset=16 align=8 (i32.add (local.get $x2) (local.get $xo)))))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.add
                  (f64x2.mul (local.get $lo) (v128.load align=8 (i32.add (local.get $x3) (local.get $xo))))
                  (f64x2.mul (local.get $hi) (v128.load offset=16 align=8 (i32.add (local.get $x3) (local.get $xo)))))))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $cnext)))
            ;; lanes summed, then the tail columns (dot1 over the tail only: w and x advanced by c4)
            (f64.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $rows)) (local.get $r)) (i32.const 3)))
              (f64.add
                (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))
                (call $dot1 (i32.add (local.get $wrow) (i32.shl (local.get $c4) (i32.const 2)))
                  (i32.add (local.get $x0) (i32.shl (local.get $c4) (i32.const 3))) (i32.sub (local.get $cols) (local.get $c4)))))
            (f64.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (i32.add (local.get $t) (i32.const 1)) (local.get $rows)) (local.get $r)) (i32.const 3)))
              (f64.add
                (f64.add (f64x2.extract_lane 0 (local.get $a1)) (f64x2.extract_lane 1 (local.get $a1)))
                (call $dot1 (i32.add (local.get $wrow) (i32.shl (local.get $c4) (i32.const 2)))
                  (i32.add (local.get $x1) (i32.shl (local.get $c4) (i32.const 3))) (i32.sub (local.get $cols) (local.get $c4)))))
            (f64.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (i32.add (local.get $t) (i32.const 2)) (local.get $rows)) (local.get $r)) (i32.const 3)))
              (f64.add
                (f64.add (f64x2.extract_lane 0 (local.get $a2)) (f64x2.extract_lane 1 (local.get $a2)))
                (call $dot1 (i32.add (local.get $wrow) (i32.shl (local.get $c4) (i32.const 2)))
                  (i32.add (local.get $x2) (i32.shl (local.get $c4) (i32.const 3))) (i32.sub (local.get $cols) (local.get $c4)))))
            (f64.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (i32.add (local.get $t) (i32.const 3)) (local.get $rows)) (local.get $r)) (i32.const 3)))
              (f64.add
                (f64.add (f64x2.extract_lane 0 (local.get $a3)) (f64x2.extract_lane 1 (local.get $a3)))
                (call $dot1 (i32.add (local.get $wrow) (i32.shl (local.get $c4) (i32.const 2)))
                  (i32.add (local.get $x3) (i32.shl (local.get $c4) (i32.const 3))) (i32.sub (local.get $cols) (local.get $c4)))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $t4next)))
        ;; the vectors left over (n mod 4), one at a time
        (block $t1done
          (loop $t1next
            (br_if $t1done (i32.ge_u (local.get $t) (local.get $n)))
            (f64.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $rows)) (local.get $r)) (i32.const 3)))
              (call $dot1 (local.get $wrow) (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $stride))) (local.get $cols)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $t1next)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rnext))))
  (func (export "bf16ToF32") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $x v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $x (v128.load align=2 (local.get $src)))
        (v128.store align=4 (local.get $dst) (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $x)) (i32.const 16)))
        (v128.store offset=16 align=4 (local.get $dst) (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $x)) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (br $next)))))
