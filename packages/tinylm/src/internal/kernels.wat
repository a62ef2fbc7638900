;; tinylm's dense kernels in WebAssembly (SIMD). Regenerate kernels-wasm.ts after an edit: pnpm gen:wasm
;;
;; Each kernel gives the same bits as the plain JavaScript loop it replaces (__fixtures__/reference-kernels.ts): the
;; same float64 operations in the same order (a product of two float32 values is exact in float64), rounded to
;; float32 where the JavaScript stored into a Float32Array. Lanes run over independent output elements only, never over one sum.
;; Pointers are byte offsets into this module's memory; sizes count float32 elements.
(module
  ;; Math.exp: the softmax's exponentials are JavaScript's own, bit for bit.
  (import "math" "exp" (func $exp (param f64) (result f64)))
  (memory (export "memory") 1)

  ;; out[j] = f32(out[j] + v * row[j]) for j < count, four elements a step.
  (func $axpy (param $out i32) (param $row i32) (param $v f64) (param $count i32)
    (local $end i32) (local $end4 i32) (local $vv v128) (local $x v128) (local $y v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $out) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (local.set $vv (f64x2.splat (local.get $v)))
    (block $done4
      (loop $step4
        (br_if $done4 (i32.ge_u (local.get $out) (local.get $end4)))
        (local.set $x (v128.load (local.get $out)))
        (local.set $y (v128.load (local.get $row)))
        (v128.store (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.promote_low_f32x4 (local.get $x))
                (f64x2.mul (local.get $vv) (f64x2.promote_low_f32x4 (local.get $y)))))
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
                (f64x2.mul (local.get $vv)
                  (f64x2.promote_low_f32x4
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $y) (local.get $y))))))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (br $step4)))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (f32.demote_f64
            (f64.add
              (f64.promote_f32 (f32.load (local.get $out)))
              (f64.mul (local.get $v) (f64.promote_f32 (f32.load (local.get $row)))))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (i32.const 4)))
        (br $step))))

  ;; out[n×m] += a[n×k] · b[k×m], row i of out adding a[i][p] · row p of b for p = 0, 1, … (zeros of a skipped).
  (func (export "matmul") (param $a i32) (param $b i32) (param $out i32) (param $n i32) (param $k i32) (param $m i32)
    (local $i i32) (local $p i32) (local $v f64)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.const 0))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $v
              (f64.promote_f32
                (f32.load
                  (i32.add (local.get $a)
                    (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $p)) (i32.const 2))))))
            (if (f64.ne (local.get $v) (f64.const 0))
              (then
                (call $axpy
                  (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $m)) (i32.const 2)))
                  (i32.add (local.get $b) (i32.shl (i32.mul (local.get $p) (local.get $m)) (i32.const 2)))
                  (local.get $v)
                  (local.get $m))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; grad[k×m] += a[n×k]ᵀ · d[n×m], for i = 0, 1, …: row p of grad adding a[i][p] · row i of d (zeros of a skipped).
  (func (export "accumulate_transposed_a")
    (param $a i32) (param $d i32) (param $grad i32) (param $n i32) (param $k i32) (param $m i32)
    (local $i i32) (local $p i32) (local $v f64)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.const 0))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $v
              (f64.promote_f32
                (f32.load
                  (i32.add (local.get $a)
                    (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $p)) (i32.const 2))))))
            (if (f64.ne (local.get $v) (f64.const 0))
              (then
                (call $axpy
                  (i32.add (local.get $grad) (i32.shl (i32.mul (local.get $p) (local.get $m)) (i32.const 2)))
                  (i32.add (local.get $d) (i32.shl (i32.mul (local.get $i) (local.get $m)) (i32.const 2)))
                  (local.get $v)
                  (local.get $m))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; to[cols×rows] = from[rows×cols]ᵀ
  (func (export "transpose") (param $from i32) (param $to i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32)
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $cols_done
          (loop $each_col
            (br_if $cols_done (i32.ge_u (local.get $c) (local.get $cols)))
            (f32.store
              (i32.add (local.get $to)
                (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
              (f32.load
                (i32.add (local.get $from)
                  (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $each_col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_row))))

  ;; out[n×r] (= or +=) a[n×k] · bᵀ, given bT = bᵀ as k×r: each out[i][j] is one float64 sum over p = 0, 1, …
  ;; started at 0, rounded once (after adding the old out[i][j] when $accumulate). Four j's a step, one per lane.
  (func (export "matmul_transposed_b")
    (param $a i32) (param $bT i32) (param $out i32) (param $n i32) (param $k i32) (param $r i32) (param $accumulate i32)
    (local $i i32) (local $j i32) (local $p i32) (local $r4 i32) (local $arow i32) (local $o i32) (local $at i32)
    (local $av v128) (local $x v128) (local $low v128) (local $high v128) (local $old v128) (local $sum f64)
    (local.set $r4 (i32.and (local.get $r) (i32.const -4)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $arow (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $quads_done
          (loop $quads
            (br_if $quads_done (i32.ge_u (local.get $j) (local.get $r4)))
            (local.set $low (f64x2.splat (f64.const 0)))
            (local.set $high (f64x2.splat (f64.const 0)))
            (local.set $p (i32.const 0))
            (local.set $at (i32.add (local.get $bT) (i32.shl (local.get $j) (i32.const 2))))
            (block $sum_done
              (loop $sum4
                (br_if $sum_done (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $av
                  (f64x2.splat
                    (f64.promote_f32 (f32.load (i32.add (local.get $arow) (i32.shl (local.get $p) (i32.const 2)))))))
                (local.set $x (v128.load (local.get $at)))
                (local.set $low
                  (f64x2.add (local.get $low) (f64x2.mul (local.get $av) (f64x2.promote_low_f32x4 (local.get $x)))))
                (local.set $high
                  (f64x2.add (local.get $high)
                    (f64x2.mul (local.get $av)
                      (f64x2.promote_low_f32x4
                        (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))))
                (local.set $at (i32.add (local.get $at) (i32.shl (local.get $r) (i32.const 2))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $sum4)))
            (local.set $o
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $j)) (i32.const 2))))
            (if (local.get $accumulate)
              (then
                (local.set $old (v128.load (local.get $o)))
                (local.set $low (f64x2.add (f64x2.promote_low_f32x4 (local.get $old)) (local.get $low)))
                (local.set $high
                  (f64x2.add
                    (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $old) (local.get $old)))
                    (local.get $high)))))
            (v128.store (local.get $o)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                (f32x4.demote_f64x2_zero (local.get $low))
                (f32x4.demote_f64x2_zero (local.get $high))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $quads)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $r)))
            (local.set $sum (f64.const 0))
            (local.set $p (i32.const 0))
            (local.set $at (i32.add (local.get $bT) (i32.shl (local.get $j) (i32.const 2))))
            (block $sum_done
              (loop $sum1
                (br_if $sum_done (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $sum
                  (f64.add (local.get $sum)
                    (f64.mul
                      (f64.promote_f32 (f32.load (i32.add (local.get $arow) (i32.shl (local.get $p) (i32.const 2)))))
                      (f64.promote_f32 (f32.load (local.get $at))))))
                (local.set $at (i32.add (local.get $at) (i32.shl (local.get $r) (i32.const 2))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $sum1)))
            (local.set $o
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $r)) (local.get $j)) (i32.const 2))))
            (if (local.get $accumulate)
              (then (local.set $sum (f64.add (f64.promote_f32 (f32.load (local.get $o))) (local.get $sum)))))
            (f32.store (local.get $o) (f32.demote_f64 (local.get $sum)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; The attention part of the backward pass, for all heads and rows of one layer (the loops it replaces are in
  ;; __fixtures__/reference-kernels.ts). Row i's t-th key is row t below sharedKeys[i], row
  ;; t + ownStart[i] - sharedKeys[i] from there; its weights start at keyOffsets[i] within each head's totalKeys.
  ;; dq, dk and dv must hold zeros (or what to add to); dWeights is scratch of n floats.
  (func (export "attention_backward")
    (param $dOut i32) (param $q i32) (param $k i32) (param $v i32) (param $weights i32)
    (param $dq i32) (param $dk i32) (param $dv i32) (param $dWeights i32)
    (param $keyOffsets i32) (param $sharedKeys i32) (param $ownStart i32)
    (param $n i32) (param $heads i32) (param $headDim i32) (param $width i32) (param $totalKeys i32) (param $scale f64)
    (local $head i32) (local $row i32) (local $shared i32) (local $skip i32) (local $count i32) (local $t i32)
    (local $c i32) (local $rowWeights i32) (local $own i32) (local $key i32) (local $weight f64) (local $dot f64)
    (local $weighted f64) (local $dScore f64)
    (block $heads_done
      (loop $heads_loop
        (br_if $heads_done (i32.ge_u (local.get $head) (local.get $heads)))
        (local.set $row (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $row) (local.get $n)))
            (local.set $shared (i32.load (i32.add (local.get $sharedKeys) (i32.shl (local.get $row) (i32.const 2)))))
            (local.set $skip
              (i32.sub (i32.load (i32.add (local.get $ownStart) (i32.shl (local.get $row) (i32.const 2))))
                (local.get $shared)))
            (local.set $count (i32.add (i32.sub (local.get $row) (local.get $skip)) (i32.const 1)))
            (local.set $rowWeights
              (i32.add (local.get $weights)
                (i32.shl
                  (i32.add (i32.mul (local.get $head) (local.get $totalKeys))
                    (i32.load (i32.add (local.get $keyOffsets) (i32.shl (local.get $row) (i32.const 2)))))
                  (i32.const 2))))
            ;; byte offset of this row's (and head's) slice of a row-major n×width array
            (local.set $own
              (i32.shl (i32.add (i32.mul (local.get $row) (local.get $width))
                (i32.mul (local.get $head) (local.get $headDim))) (i32.const 2)))
            (local.set $weighted (f64.const 0))
            (local.set $t (i32.const 0))
            (block $values_done
              (loop $values
                (br_if $values_done (i32.ge_u (local.get $t) (local.get $count)))
                (local.set $key
                  (i32.shl
                    (i32.add
                      (i32.mul
                        (select (local.get $t) (i32.add (local.get $t) (local.get $skip))
                          (i32.lt_u (local.get $t) (local.get $shared)))
                        (local.get $width))
                      (i32.mul (local.get $head) (local.get $headDim)))
                    (i32.const 2)))
                (local.set $weight
                  (f64.promote_f32 (f32.load (i32.add (local.get $rowWeights) (i32.shl (local.get $t) (i32.const 2))))))
                (local.set $dot (f64.const 0))
                (local.set $c (i32.const 0))
                (block $dot_done
                  (loop $dot_loop
                    (br_if $dot_done (i32.ge_u (local.get $c) (local.get $headDim)))
                    (local.set $dot
                      (f64.add (local.get $dot)
                        (f64.mul
                          (f64.promote_f32
                            (f32.load (i32.add (i32.add (local.get $dOut) (local.get $own)) (i32.shl (local.get $c) (i32.const 2)))))
                          (f64.promote_f32
                            (f32.load (i32.add (i32.add (local.get $v) (local.get $key)) (i32.shl (local.get $c) (i32.const 2))))))))
                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                    (br $dot_loop)))
                (call $axpy (i32.add (local.get $dv) (local.get $key)) (i32.add (local.get $dOut) (local.get $own))
                  (local.get $weight) (local.get $headDim))
                (f32.store (i32.add (local.get $dWeights) (i32.shl (local.get $t) (i32.const 2)))
                  (f32.demote_f64 (local.get $dot)))
                (local.set $weighted (f64.add (local.get $weighted) (f64.mul (local.get $dot) (local.get $weight))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $values)))
            (local.set $t (i32.const 0))
            (block $scores_done
              (loop $scores
                (br_if $scores_done (i32.ge_u (local.get $t) (local.get $count)))
                (local.set $dScore
                  (f64.mul
                    (f64.mul
                      (f64.promote_f32 (f32.load (i32.add (local.get $rowWeights) (i32.shl (local.get $t) (i32.const 2)))))
                      (f64.sub
                        (f64.promote_f32 (f32.load (i32.add (local.get $dWeights) (i32.shl (local.get $t) (i32.const 2)))))
                        (local.get $weighted)))
                    (local.get $scale)))
                (if (f64.ne (local.get $dScore) (f64.const 0))
                  (then
                    (local.set $key
                      (i32.shl
                        (i32.add
                          (i32.mul
                            (select (local.get $t) (i32.add (local.get $t) (local.get $skip))
                              (i32.lt_u (local.get $t) (local.get $shared)))
                            (local.get $width))
                          (i32.mul (local.get $head) (local.get $headDim)))
                        (i32.const 2)))
                    (call $axpy (i32.add (local.get $dq) (local.get $own)) (i32.add (local.get $k) (local.get $key))
                      (local.get $dScore) (local.get $headDim))
                    (call $axpy (i32.add (local.get $dk) (local.get $key)) (i32.add (local.get $q) (local.get $own))
                      (local.get $dScore) (local.get $headDim))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $scores)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rows)))
        (local.set $head (i32.add (local.get $head) (i32.const 1)))
        (br $heads_loop))))

  ;; One query's attention for one head: the softmax over its keys of q·k · scale (scores rounded to float32 into
  ;; $weights, their maximum taken unrounded, exponentials and their sum in float64, each weight rounded to float32
  ;; after dividing), and $out (headDim floats) = the weighted sum of the values. The t-th key is row t below
  ;; $shared, row t + $skip from there, of the n×width arrays $k and $v, whose pointers are at this head's column.
  (func $attend
    (param $q i32) (param $k i32) (param $v i32) (param $weights i32) (param $out i32)
    (param $count i32) (param $shared i32) (param $skip i32) (param $headDim i32) (param $width i32) (param $scale f64)
    (local $t i32) (local $c i32) (local $key i32) (local $at i32)
    (local $score f64) (local $max f64) (local $sum f64) (local $dot f64) (local $weight f64)
    (local.set $max (f64.const -inf))
    (block $scores_done
      (loop $scores
        (br_if $scores_done (i32.ge_u (local.get $t) (local.get $count)))
        (local.set $key
          (i32.shl
            (i32.mul
              (select (local.get $t) (i32.add (local.get $t) (local.get $skip))
                (i32.lt_u (local.get $t) (local.get $shared)))
              (local.get $width))
            (i32.const 2)))
        (local.set $dot (f64.const 0))
        (local.set $c (i32.const 0))
        (block $dot_done
          (loop $dot_loop
            (br_if $dot_done (i32.ge_u (local.get $c) (local.get $headDim)))
            (local.set $dot
              (f64.add (local.get $dot)
                (f64.mul
                  (f64.promote_f32 (f32.load (i32.add (local.get $q) (i32.shl (local.get $c) (i32.const 2)))))
                  (f64.promote_f32
                    (f32.load (i32.add (i32.add (local.get $k) (local.get $key)) (i32.shl (local.get $c) (i32.const 2))))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $dot_loop)))
        (local.set $score (f64.mul (local.get $dot) (local.get $scale)))
        (f32.store (i32.add (local.get $weights) (i32.shl (local.get $t) (i32.const 2)))
          (f32.demote_f64 (local.get $score)))
        (if (f64.gt (local.get $score) (local.get $max)) (then (local.set $max (local.get $score))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $scores)))
    (local.set $t (i32.const 0))
    (block $exp_done
      (loop $exps
        (br_if $exp_done (i32.ge_u (local.get $t) (local.get $count)))
        (local.set $at (i32.add (local.get $weights) (i32.shl (local.get $t) (i32.const 2))))
        (local.set $weight (call $exp (f64.sub (f64.promote_f32 (f32.load (local.get $at))) (local.get $max))))
        (f32.store (local.get $at) (f32.demote_f64 (local.get $weight)))
        (local.set $sum (f64.add (local.get $sum) (local.get $weight)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $exps)))
    (local.set $c (i32.const 0))
    (block $zero_done
      (loop $zero
        (br_if $zero_done (i32.ge_u (local.get $c) (local.get $headDim)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.const 0))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $zero)))
    (local.set $t (i32.const 0))
    (block $values_done
      (loop $values
        (br_if $values_done (i32.ge_u (local.get $t) (local.get $count)))
        (local.set $at (i32.add (local.get $weights) (i32.shl (local.get $t) (i32.const 2))))
        (local.set $weight (f64.div (f64.promote_f32 (f32.load (local.get $at))) (local.get $sum)))
        (f32.store (local.get $at) (f32.demote_f64 (local.get $weight)))
        (local.set $key
          (i32.shl
            (i32.mul
              (select (local.get $t) (i32.add (local.get $t) (local.get $skip))
                (i32.lt_u (local.get $t) (local.get $shared)))
              (local.get $width))
            (i32.const 2)))
        (call $axpy (local.get $out) (i32.add (local.get $v) (local.get $key)) (local.get $weight) (local.get $headDim))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $values))))

  ;; The attention of one layer's forward pass, all heads and rows (packing as in attention_backward): row i's
  ;; softmax weights for head h at weights[h·totalKeys + keyOffsets[i]], its heads' outputs in row i of out.
  (func (export "attention_forward")
    (param $q i32) (param $k i32) (param $v i32) (param $weights i32) (param $out i32)
    (param $keyOffsets i32) (param $sharedKeys i32) (param $ownStart i32)
    (param $n i32) (param $heads i32) (param $headDim i32) (param $width i32) (param $totalKeys i32) (param $scale f64)
    (local $head i32) (local $row i32) (local $shared i32) (local $skip i32) (local $column i32) (local $own i32)
    (block $heads_done
      (loop $heads_loop
        (br_if $heads_done (i32.ge_u (local.get $head) (local.get $heads)))
        (local.set $column (i32.shl (i32.mul (local.get $head) (local.get $headDim)) (i32.const 2)))
        (local.set $row (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $row) (local.get $n)))
            (local.set $shared (i32.load (i32.add (local.get $sharedKeys) (i32.shl (local.get $row) (i32.const 2)))))
            (local.set $skip
              (i32.sub (i32.load (i32.add (local.get $ownStart) (i32.shl (local.get $row) (i32.const 2))))
                (local.get $shared)))
            (local.set $own
              (i32.add (i32.shl (i32.mul (local.get $row) (local.get $width)) (i32.const 2)) (local.get $column)))
            (call $attend
              (i32.add (local.get $q) (local.get $own))
              (i32.add (local.get $k) (local.get $column))
              (i32.add (local.get $v) (local.get $column))
              (i32.add (local.get $weights)
                (i32.shl
                  (i32.add (i32.mul (local.get $head) (local.get $totalKeys))
                    (i32.load (i32.add (local.get $keyOffsets) (i32.shl (local.get $row) (i32.const 2)))))
                  (i32.const 2)))
              (i32.add (local.get $out) (local.get $own))
              (i32.add (i32.sub (local.get $row) (local.get $skip)) (i32.const 1))
              (local.get $shared) (local.get $skip) (local.get $headDim) (local.get $width) (local.get $scale))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rows)))
        (local.set $head (i32.add (local.get $head) (i32.const 1)))
        (br $heads_loop))))

  ;; A decoder's attention: one query (heads·headDim floats) over the first $count rows of the caches $k and $v
  ;; (width floats a row), every head; $weights is scratch of $count floats.
  (func (export "attention_decode")
    (param $q i32) (param $k i32) (param $v i32) (param $weights i32) (param $out i32)
    (param $count i32) (param $heads i32) (param $headDim i32) (param $width i32) (param $scale f64)
    (local $head i32) (local $column i32)
    (block $heads_done
      (loop $heads_loop
        (br_if $heads_done (i32.ge_u (local.get $head) (local.get $heads)))
        (local.set $column (i32.shl (i32.mul (local.get $head) (local.get $headDim)) (i32.const 2)))
        (call $attend
          (i32.add (local.get $q) (local.get $column))
          (i32.add (local.get $k) (local.get $column))
          (i32.add (local.get $v) (local.get $column))
          (local.get $weights)
          (i32.add (local.get $out) (local.get $column))
          (local.get $count) (i32.const 0) (i32.const 0) (local.get $headDim) (local.get $width) (local.get $scale))
        (local.set $head (i32.add (local.get $head) (i32.const 1)))
        (br $heads_loop)))))
