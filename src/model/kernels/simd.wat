;; tedg SIMD kernels (WebAssembly text, binaryen dialect). Assembled by simd-gen.ts into simd-wasm.ts.
;; All pointers are byte offsets into this module's memory; f32/i32 arrays are 4-byte elements.
;; Vector loops process 4 floats at a time and finish with a scalar tail, so any width works.
(module
 (memory (export "memory") 1)

 ;; Cephes expf: exp(x) for x ≤ 88 (softmax arguments are ≤ 0); below −87 the result is 0.
 (func $exp (param $x f32) (result f32)
  (local $n f32) (local $r f32) (local $z f32) (local $p f32)
  (if (f32.lt (local.get $x) (f32.const -87)) (then (return (f32.const 0))))
  (if (f32.gt (local.get $x) (f32.const 88)) (then (local.set $x (f32.const 88))))
  (local.set $n (f32.nearest (f32.mul (local.get $x) (f32.const 1.44269504088896341))))
  (local.set $r
   (f32.sub
    (f32.sub (local.get $x) (f32.mul (local.get $n) (f32.const 0.693359375)))
    (f32.mul (local.get $n) (f32.const -2.12194440e-4))))
  (local.set $z (f32.mul (local.get $r) (local.get $r)))
  (local.set $p (f32.const 1.9875691500e-4))
  (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 1.3981999507e-3)))
  (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 8.3334519073e-3)))
  (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 4.1665795894e-2)))
  (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 1.6666665459e-1)))
  (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 5.0000001201e-1)))
  (local.set $p (f32.add (f32.add (f32.mul (local.get $p) (local.get $z)) (local.get $r)) (f32.const 1)))
  (f32.mul
   (local.get $p)
   (f32.reinterpret_i32
    (i32.shl (i32.add (i32.trunc_f32_s (local.get $n)) (i32.const 127)) (i32.const 23)))))

 (func (export "exp_f32") (param $x f32) (result f32) (call $exp (local.get $x)))

 ;; y[0..n) += a · x[0..n)
 (func $axpy (param $n i32) (param $a f32) (param $x i32) (param $y i32)
  (local $i i32) (local $end i32) (local $end4 i32) (local $av v128)
  (local.set $av (f32x4.splat (local.get $a)))
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
  (block $b4
   (loop $l4
    (br_if $b4 (i32.ge_u (local.get $i) (local.get $end4)))
    (v128.store
     (i32.add (local.get $y) (local.get $i))
     (f32x4.add
      (v128.load (i32.add (local.get $y) (local.get $i)))
      (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $x) (local.get $i))))))
    (local.set $i (i32.add (local.get $i) (i32.const 16)))
    (br $l4)))
  (block $b1
   (loop $l1
    (br_if $b1 (i32.ge_u (local.get $i) (local.get $end)))
    (f32.store
     (i32.add (local.get $y) (local.get $i))
     (f32.add
      (f32.load (i32.add (local.get $y) (local.get $i)))
      (f32.mul (local.get $a) (f32.load (i32.add (local.get $x) (local.get $i))))))
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $l1))))

 ;; Σ x[i]·y[i], i < n
 (func $dot (param $n i32) (param $x i32) (param $y i32) (result f32)
  (local $i i32) (local $end i32) (local $end4 i32) (local $acc v128) (local $s f32)
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
  (block $b4
   (loop $l4
    (br_if $b4 (i32.ge_u (local.get $i) (local.get $end4)))
    (local.set $acc
     (f32x4.add
      (local.get $acc)
      (f32x4.mul
       (v128.load (i32.add (local.get $x) (local.get $i)))
       (v128.load (i32.add (local.get $y) (local.get $i))))))
    (local.set $i (i32.add (local.get $i) (i32.const 16)))
    (br $l4)))
  (local.set $s
   (f32.add
    (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
    (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
  (block $b1
   (loop $l1
    (br_if $b1 (i32.ge_u (local.get $i) (local.get $end)))
    (local.set $s
     (f32.add
      (local.get $s)
      (f32.mul
       (f32.load (i32.add (local.get $x) (local.get $i)))
       (f32.load (i32.add (local.get $y) (local.get $i))))))
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $l1)))
  (local.get $s))

 ;; Segment attention, forward. Edges k are grouped by destination segment u (seg[u] ≤ k < seg[u+1]).
 ;;   l[k,h]  = LeakyReLU_slope(ss[src k, h] + ds[dst u, h] + rb[rel k, h])   (rows read with strides, in floats)
 ;;   α[k,h]  = softmax of l over the edges of u (max-shifted)
 ;;   out[u]  = Σ_k mean_h(α[k,h]) · v[src k]                                   (v rows are D wide)
 ;; alpha [K, H] receives α. With ent ≠ 0, ent[u·2H + h] = Σ_k e and ent[u·2H + H + h] = Σ_k e·(l − max) / Σ_k e,
 ;; e = exp(l − max), from which the attention entropy of (u, h) is log(Σe) − the second. tmp: 3H floats.
 ;; A stride of 0 makes ds or rb a single row (pass H zeros to leave that term out).
 (func (export "attend_fwd")
  (param $U i32) (param $H i32) (param $D i32)
  (param $seg i32) (param $src i32) (param $rel i32) (param $dst i32)
  (param $ss i32) (param $sStride i32) (param $ds i32) (param $dStride i32) (param $rb i32) (param $rStride i32)
  (param $v i32) (param $slope f32) (param $out i32) (param $alpha i32) (param $ent i32) (param $tmp i32)
  (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $h i32)
  (local $sp i32) (local $dp i32) (local $rp i32) (local $ap i32) (local $op i32)
  (local $mx i32) (local $sm i32) (local $tt i32) (local $x f32) (local $e f32) (local $ab f32)
  (local $rowD i32) (local $H4 i32) (local $invH f32)
  (local.set $rowD (i32.shl (local.get $D) (i32.const 2)))
  (local.set $H4 (i32.shl (local.get $H) (i32.const 2)))
  (local.set $invH (f32.div (f32.const 1) (f32.convert_i32_u (local.get $H))))
  (local.set $mx (local.get $tmp))
  (local.set $sm (i32.add (local.get $tmp) (local.get $H4)))
  (local.set $tt (i32.add (local.get $sm) (local.get $H4)))
  (block $bu
   (loop $lu
    (br_if $bu (i32.ge_u (local.get $u) (local.get $U)))
    (local.set $k0 (i32.load (i32.add (local.get $seg) (i32.shl (local.get $u) (i32.const 2)))))
    (local.set $k1 (i32.load (i32.add (local.get $seg) (i32.shl (i32.add (local.get $u) (i32.const 1)) (i32.const 2)))))
    (local.set $dp
     (i32.add (local.get $ds)
      (i32.shl
       (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $u) (i32.const 2)))) (local.get $dStride))
       (i32.const 2))))
    ;; reset per-head max / sum / entropy accumulators
    (local.set $h (i32.const 0))
    (block $bh (loop $lh
     (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
     (f32.store (i32.add (local.get $mx) (local.get $h)) (f32.const -inf))
     (f32.store (i32.add (local.get $sm) (local.get $h)) (f32.const 0))
     (f32.store (i32.add (local.get $tt) (local.get $h)) (f32.const 0))
     (local.set $h (i32.add (local.get $h) (i32.const 4)))
     (br $lh)))
    ;; pass 1: logits into alpha, per-head max
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $sp
      (i32.add (local.get $ss)
       (i32.shl (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $sStride)) (i32.const 2))))
     (local.set $rp
      (i32.add (local.get $rb)
       (i32.shl (i32.mul (i32.load (i32.add (local.get $rel) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rStride)) (i32.const 2))))
     (local.set $ap (i32.add (local.get $alpha) (i32.mul (local.get $k) (local.get $H4))))
     (local.set $h (i32.const 0))
     (block $bh (loop $lh
      (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
      (local.set $x
       (f32.add
        (f32.add (f32.load (i32.add (local.get $sp) (local.get $h))) (f32.load (i32.add (local.get $dp) (local.get $h))))
        (f32.load (i32.add (local.get $rp) (local.get $h)))))
      (if (f32.le (local.get $x) (f32.const 0)) (then (local.set $x (f32.mul (local.get $x) (local.get $slope)))))
      (f32.store (i32.add (local.get $ap) (local.get $h)) (local.get $x))
      (f32.store (i32.add (local.get $mx) (local.get $h))
       (f32.max (local.get $x) (f32.load (i32.add (local.get $mx) (local.get $h)))))
      (local.set $h (i32.add (local.get $h) (i32.const 4)))
      (br $lh)))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    ;; pass 2: e = exp(l − max), sums
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $ap (i32.add (local.get $alpha) (i32.mul (local.get $k) (local.get $H4))))
     (local.set $h (i32.const 0))
     (block $bh (loop $lh
      (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
      (local.set $x
       (f32.sub (f32.load (i32.add (local.get $ap) (local.get $h))) (f32.load (i32.add (local.get $mx) (local.get $h)))))
      (local.set $e (call $exp (local.get $x)))
      (f32.store (i32.add (local.get $ap) (local.get $h)) (local.get $e))
      (f32.store (i32.add (local.get $sm) (local.get $h))
       (f32.add (local.get $e) (f32.load (i32.add (local.get $sm) (local.get $h)))))
      (f32.store (i32.add (local.get $tt) (local.get $h))
       (f32.add (f32.mul (local.get $e) (local.get $x)) (f32.load (i32.add (local.get $tt) (local.get $h)))))
      (local.set $h (i32.add (local.get $h) (i32.const 4)))
      (br $lh)))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    ;; pass 3: normalise, head mean, weighted sum of value rows
    (local.set $op (i32.add (local.get $out) (i32.mul (local.get $u) (local.get $rowD))))
    (memory.fill (local.get $op) (i32.const 0) (local.get $rowD))
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $ap (i32.add (local.get $alpha) (i32.mul (local.get $k) (local.get $H4))))
     (local.set $ab (f32.const 0))
     (local.set $h (i32.const 0))
     (block $bh (loop $lh
      (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
      (local.set $x
       (f32.div (f32.load (i32.add (local.get $ap) (local.get $h))) (f32.load (i32.add (local.get $sm) (local.get $h)))))
      (f32.store (i32.add (local.get $ap) (local.get $h)) (local.get $x))
      (local.set $ab (f32.add (local.get $ab) (local.get $x)))
      (local.set $h (i32.add (local.get $h) (i32.const 4)))
      (br $lh)))
     (call $axpy (local.get $D) (f32.mul (local.get $ab) (local.get $invH))
      (i32.add (local.get $v)
       (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowD)))
      (local.get $op))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    (if (local.get $ent)
     (then
      (local.set $h (i32.const 0))
      (block $bh (loop $lh
       (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
       (local.set $ap (i32.add (i32.add (local.get $ent) (i32.shl (i32.mul (local.get $u) (local.get $H4)) (i32.const 1))) (local.get $h)))
       (local.set $e (f32.load (i32.add (local.get $sm) (local.get $h))))
       (f32.store (local.get $ap) (local.get $e))
       (f32.store (i32.add (local.get $ap) (local.get $H4)) (f32.div (f32.load (i32.add (local.get $tt) (local.get $h))) (local.get $e)))
       (local.set $h (i32.add (local.get $h) (i32.const 4)))
       (br $lh)))))
    (local.set $u (i32.add (local.get $u) (i32.const 1)))
    (br $lu))))

 ;; Segment attention, backward (same arguments as forward, plus α and dout). Accumulates into dss (rows of
 ;; sStride), dds (rows of dStride), drb (rows of rStride) and dv (rows of D), which the caller zeroes first;
 ;; dss and dds may point into the same array. tmp: H + (largest segment) floats.
 ;;   dv[src k]   += mean_h α[k,h] · dout[u]
 ;;   dα[k,h]      = (dout[u] · v[src k]) / H
 ;;   dl[k,h]      = α[k,h] (dα[k,h] − Σ_k' α[k',h] dα[k',h]),   ds = dl · (l > 0 ? 1 : slope)
 (func (export "attend_bwd")
  (param $U i32) (param $H i32) (param $D i32)
  (param $seg i32) (param $src i32) (param $rel i32) (param $dst i32)
  (param $ss i32) (param $sStride i32) (param $ds i32) (param $dStride i32) (param $rb i32) (param $rStride i32)
  (param $v i32) (param $slope f32) (param $alpha i32) (param $dout i32)
  (param $dss i32) (param $dds i32) (param $drb i32) (param $dv i32) (param $tmp i32)
  (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $h i32)
  (local $sp i32) (local $dp i32) (local $ddp i32) (local $rp i32) (local $ap i32) (local $gp i32)
  (local $dsp i32) (local $drp i32) (local $s i32) (local $r i32)
  (local $dot i32) (local $dab i32) (local $x f32) (local $ab f32) (local $d f32) (local $g f32)
  (local $rowD i32) (local $H4 i32) (local $invH f32)
  (local.set $rowD (i32.shl (local.get $D) (i32.const 2)))
  (local.set $H4 (i32.shl (local.get $H) (i32.const 2)))
  (local.set $invH (f32.div (f32.const 1) (f32.convert_i32_u (local.get $H))))
  (local.set $dot (local.get $tmp))
  (local.set $dab (i32.add (local.get $tmp) (local.get $H4)))
  (block $bu
   (loop $lu
    (br_if $bu (i32.ge_u (local.get $u) (local.get $U)))
    (local.set $k0 (i32.load (i32.add (local.get $seg) (i32.shl (local.get $u) (i32.const 2)))))
    (local.set $k1 (i32.load (i32.add (local.get $seg) (i32.shl (i32.add (local.get $u) (i32.const 1)) (i32.const 2)))))
    (local.set $r (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $u) (i32.const 2)))) (local.get $dStride)))
    (local.set $dp (i32.add (local.get $ds) (i32.shl (local.get $r) (i32.const 2))))
    (local.set $ddp (i32.add (local.get $dds) (i32.shl (local.get $r) (i32.const 2))))
    (local.set $gp (i32.add (local.get $dout) (i32.mul (local.get $u) (local.get $rowD))))
    (memory.fill (local.get $dot) (i32.const 0) (local.get $H4))
    ;; pass 1: dv, dα (one value per edge), Σ_k α dα per head
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $s (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowD)))
     (local.set $ap (i32.add (local.get $alpha) (i32.mul (local.get $k) (local.get $H4))))
     (local.set $ab (f32.const 0))
     (local.set $h (i32.const 0))
     (block $bh (loop $lh
      (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
      (local.set $ab (f32.add (local.get $ab) (f32.load (i32.add (local.get $ap) (local.get $h)))))
      (local.set $h (i32.add (local.get $h) (i32.const 4)))
      (br $lh)))
     (call $axpy (local.get $D) (f32.mul (local.get $ab) (local.get $invH)) (local.get $gp)
      (i32.add (local.get $dv) (local.get $s)))
     (local.set $d
      (f32.mul (call $dot (local.get $D) (local.get $gp) (i32.add (local.get $v) (local.get $s))) (local.get $invH)))
     (f32.store (i32.add (local.get $dab) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 2))) (local.get $d))
     (local.set $h (i32.const 0))
     (block $bh (loop $lh
      (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
      (f32.store (i32.add (local.get $dot) (local.get $h))
       (f32.add (f32.load (i32.add (local.get $dot) (local.get $h)))
        (f32.mul (local.get $d) (f32.load (i32.add (local.get $ap) (local.get $h))))))
      (local.set $h (i32.add (local.get $h) (i32.const 4)))
      (br $lh)))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    ;; pass 2: logit gradients through the LeakyReLU into the three score tables
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $s (i32.shl (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $sStride)) (i32.const 2)))
     (local.set $sp (i32.add (local.get $ss) (local.get $s)))
     (local.set $dsp (i32.add (local.get $dss) (local.get $s)))
     (local.set $s (i32.shl (i32.mul (i32.load (i32.add (local.get $rel) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rStride)) (i32.const 2)))
     (local.set $rp (i32.add (local.get $rb) (local.get $s)))
     (local.set $drp (i32.add (local.get $drb) (local.get $s)))
     (local.set $ap (i32.add (local.get $alpha) (i32.mul (local.get $k) (local.get $H4))))
     (local.set $d (f32.load (i32.add (local.get $dab) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 2)))))
     (local.set $h (i32.const 0))
     (block $bh (loop $lh
      (br_if $bh (i32.ge_u (local.get $h) (local.get $H4)))
      (local.set $g
       (f32.mul (f32.load (i32.add (local.get $ap) (local.get $h)))
        (f32.sub (local.get $d) (f32.load (i32.add (local.get $dot) (local.get $h))))))
      (local.set $x
       (f32.add
        (f32.add (f32.load (i32.add (local.get $sp) (local.get $h))) (f32.load (i32.add (local.get $dp) (local.get $h))))
        (f32.load (i32.add (local.get $rp) (local.get $h)))))
      (if (f32.le (local.get $x) (f32.const 0)) (then (local.set $g (f32.mul (local.get $g) (local.get $slope)))))
      (f32.store (i32.add (local.get $dsp) (local.get $h)) (f32.add (f32.load (i32.add (local.get $dsp) (local.get $h))) (local.get $g)))
      (f32.store (i32.add (local.get $ddp) (local.get $h)) (f32.add (f32.load (i32.add (local.get $ddp) (local.get $h))) (local.get $g)))
      (f32.store (i32.add (local.get $drp) (local.get $h)) (f32.add (f32.load (i32.add (local.get $drp) (local.get $h))) (local.get $g)))
      (local.set $h (i32.add (local.get $h) (i32.const 4)))
      (br $lh)))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    (local.set $u (i32.add (local.get $u) (i32.const 1)))
    (br $lu))))

 ;; Horizontal sum of the 4 lanes.
 (func $hsum (param $v v128) (result f32)
  (f32.add
   (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
   (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

 ;; Fused bias + ReLU + LayerNorm, forward, F % 4 = 0. x, y: [R, W]; b, g, beta: [W]; groups of F features.
 ;; flags: 1 = ReLU before normalising, 2 = ReLU after. u = x + b (ReLU'd); y = (u − mean)·rstd·g + beta (ReLU'd).
 (func (export "ln_fwd")
  (param $R i32) (param $W i32) (param $F i32) (param $x i32) (param $b i32) (param $g i32) (param $beta i32)
  (param $flags i32) (param $y i32) (param $eps f32)
  (local $r i32) (local $c0 i32) (local $i i32) (local $Fb i32) (local $xo i32) (local $yo i32) (local $co i32)
  (local $acc v128) (local $t v128) (local $mean v128) (local $rstd v128) (local $m f32) (local $pre i32) (local $post i32)
  (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
  (local.set $pre (i32.and (local.get $flags) (i32.const 1)))
  (local.set $post (i32.and (local.get $flags) (i32.const 2)))
  (block $br (loop $lr
   (br_if $br (i32.ge_u (local.get $r) (local.get $R)))
   (local.set $c0 (i32.const 0))
   (block $bc (loop $lc
    (br_if $bc (i32.ge_u (local.get $c0) (local.get $W)))
    (local.set $co (i32.shl (local.get $c0) (i32.const 2)))
    (local.set $xo (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $W)) (local.get $c0)) (i32.const 2))))
    (local.set $yo (i32.add (local.get $y) (i32.sub (local.get $xo) (local.get $x))))
    ;; pass 1: u = x + b (ReLU) into y; sum
    (local.set $acc (v128.const f32x4 0 0 0 0))
    (local.set $i (i32.const 0))
    (block $b1 (loop $l1
     (br_if $b1 (i32.ge_u (local.get $i) (local.get $Fb)))
     (local.set $t (f32x4.add (v128.load (i32.add (local.get $xo) (local.get $i)))
                              (v128.load (i32.add (i32.add (local.get $b) (local.get $co)) (local.get $i)))))
     (if (local.get $pre) (then (local.set $t (f32x4.max (local.get $t) (v128.const f32x4 0 0 0 0)))))
     (v128.store (i32.add (local.get $yo) (local.get $i)) (local.get $t))
     (local.set $acc (f32x4.add (local.get $acc) (local.get $t)))
     (local.set $i (i32.add (local.get $i) (i32.const 16)))
     (br $l1)))
    (local.set $m (f32.div (call $hsum (local.get $acc)) (f32.convert_i32_u (local.get $F))))
    (local.set $mean (f32x4.splat (local.get $m)))
    ;; pass 2: centre, variance
    (local.set $acc (v128.const f32x4 0 0 0 0))
    (local.set $i (i32.const 0))
    (block $b2 (loop $l2
     (br_if $b2 (i32.ge_u (local.get $i) (local.get $Fb)))
     (local.set $t (f32x4.sub (v128.load (i32.add (local.get $yo) (local.get $i))) (local.get $mean)))
     (v128.store (i32.add (local.get $yo) (local.get $i)) (local.get $t))
     (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $t) (local.get $t))))
     (local.set $i (i32.add (local.get $i) (i32.const 16)))
     (br $l2)))
    (local.set $rstd (f32x4.splat (f32.div (f32.const 1)
      (f32.sqrt (f32.add (f32.div (call $hsum (local.get $acc)) (f32.convert_i32_u (local.get $F))) (local.get $eps))))))
    ;; pass 3: scale and shift (ReLU)
    (local.set $i (i32.const 0))
    (block $b3 (loop $l3
     (br_if $b3 (i32.ge_u (local.get $i) (local.get $Fb)))
     (local.set $t
      (f32x4.add
       (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $yo) (local.get $i))) (local.get $rstd))
                  (v128.load (i32.add (i32.add (local.get $g) (local.get $co)) (local.get $i))))
       (v128.load (i32.add (i32.add (local.get $beta) (local.get $co)) (local.get $i)))))
     (if (local.get $post) (then (local.set $t (f32x4.max (local.get $t) (v128.const f32x4 0 0 0 0)))))
     (v128.store (i32.add (local.get $yo) (local.get $i)) (local.get $t))
     (local.set $i (i32.add (local.get $i) (i32.const 16)))
     (br $l3)))
    (local.set $c0 (i32.add (local.get $c0) (local.get $F)))
    (br $lc)))
   (local.set $r (i32.add (local.get $r) (i32.const 1)))
   (br $lr))))

 ;; Fused bias + ReLU + LayerNorm, backward (same arguments, plus dy). dx: [R, W]; db, dg, dbeta: [W],
 ;; accumulated (zero them first). tmp: F floats. Statistics are recomputed from x and b.
 (func (export "ln_bwd")
  (param $R i32) (param $W i32) (param $F i32) (param $x i32) (param $b i32) (param $g i32) (param $beta i32)
  (param $flags i32) (param $dy i32) (param $dx i32) (param $db i32) (param $dg i32) (param $dbeta i32)
  (param $tmp i32) (param $eps f32)
  (local $r i32) (local $c0 i32) (local $i i32) (local $Fb i32) (local $xo i32) (local $dyo i32) (local $dxo i32) (local $co i32)
  (local $acc v128) (local $acc2 v128) (local $t v128) (local $xh v128) (local $gy v128) (local $mean v128) (local $rstd v128)
  (local $m1 v128) (local $m2 v128) (local $invF f32) (local $pre i32) (local $post i32) (local $zero v128)
  (local.set $Fb (i32.shl (local.get $F) (i32.const 2)))
  (local.set $invF (f32.div (f32.const 1) (f32.convert_i32_u (local.get $F))))
  (local.set $pre (i32.and (local.get $flags) (i32.const 1)))
  (local.set $post (i32.and (local.get $flags) (i32.const 2)))
  (block $br (loop $lr
   (br_if $br (i32.ge_u (local.get $r) (local.get $R)))
   (local.set $c0 (i32.const 0))
   (block $bc (loop $lc
    (br_if $bc (i32.ge_u (local.get $c0) (local.get $W)))
    (local.set $co (i32.shl (local.get $c0) (i32.const 2)))
    (local.set $xo (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $W)) (local.get $c0)) (i32.const 2))))
    (local.set $dxo (i32.add (local.get $dx) (i32.sub (local.get $xo) (local.get $x))))
    (local.set $dyo (i32.add (local.get $dy) (i32.sub (local.get $xo) (local.get $x))))
    ;; pass 1: u into dx, sum
    (local.set $acc (local.get $zero))
    (local.set $i (i32.const 0))
    (block $b1 (loop $l1
     (br_if $b1 (i32.ge_u (local.get $i) (local.get $Fb)))
     (local.set $t (f32x4.add (v128.load (i32.add (local.get $xo) (local.get $i)))
                              (v128.load (i32.add (i32.add (local.get $b) (local.get $co)) (local.get $i)))))
     (if (local.get $pre) (then (local.set $t (f32x4.max (local.get $t) (local.get $zero)))))
     (v128.store (i32.add (local.get $dxo) (local.get $i)) (local.get $t))
     (local.set $acc (f32x4.add (local.get $acc) (local.get $t)))
     (local.set $i (i32.add (local.get $i) (i32.const 16)))
     (br $l1)))
    (local.set $mean (f32x4.splat (f32.mul (call $hsum (local.get $acc)) (local.get $invF))))
    ;; pass 2: centre into dx, variance
    (local.set $acc (local.get $zero))
    (local.set $i (i32.const 0))
    (block $b2 (loop $l2
     (br_if $b2 (i32.ge_u (local.get $i) (local.get $Fb)))
     (local.set $t (f32x4.sub (v128.load (i32.add (local.get $dxo) (local.get $i))) (local.get $mean)))
     (v128.store (i32.add (local.get $dxo) (local.get $i)) (local.get $t))
     (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $t) (local.get $t))))
     (local.set $i (i32.add (local.get $i) (i32.const 16)))
     (br $l2)))
    (local.set $rstd (f32x4.splat (f32.div (f32.const 1)
      (f32.sqrt (f32.add (f32.mul (call $hsum (local.get $acc)) (local.get $invF)) (local.get $eps))))))
    ;; pass 3: x̂ into dx; gy (through the output ReLU); dg, dbeta; dx̂ = gy·g into tmp; Σ dx̂, Σ dx̂·x̂
    (local.set $acc (local.get $zero))
    (local.set $acc2 (local.get $zero))
    (local.set $i (i32.const 0))
    (block $b3 (loop $l3
     (br_if $b3 (i32.ge_u (local.get $i) (local.get $Fb)))
     (local.set $xh (f32x4.mul (v128.load (i32.add (local.get $dxo) (local.get $i))) (local.get $rstd)))
     (v128.store (i32.add (local.get $dxo) (local.get $i)) (local.get $xh))
     (local.set $gy (v128.load (i32.add (local.get $dyo) (local.get $i))))
     (if (local.get $post)
      (then
       (local.set $gy
        (v128.and (local.get $gy)
         (f32x4.gt
          (f32x4.add
           (f32x4.mul (local.get $xh) (v128.load (i32.add (i32.add (local.get $g) (local.get $co)) (local.get $i))))
           (v128.load (i32.add (i32.add (local.get $beta) (local.get $co)) (local.get $i))))
          (local.get $zero))))))
     (v128.store (i32.add (i32.add (local.get $dg) (local.get $co)) (local.get $i))
      (f32x4.add (v128.load (i32.add (i32.add (local.get $dg) (local.get $co)) (local.get $i)))
                 (f32x4.mul (local.get $gy) (local.get $xh))))
     (v128.store (i32.add (i32.add (local.get $dbeta) (local.get $co)) (local.get $i))
      (f32x4.add (v128.load (i32.add (i32.add (local.get $dbeta) (local.get $co)) (local.get $i))) (local.get $gy)))
     (local.set $t (f32x4.mul (local.get $gy) (v128.load (i32.add (i32.add (local.get $g) (local.get $co)) (local.get $i)))))
     (v128.store (i32.add (local.get $tmp) (local.get $i)) (local.get $t))
     (local.set $acc (f32x4.add (local.get $acc) (local.get $t)))
     (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $t) (local.get $xh))))
     (local.set $i (i32.add (local.get $i) (i32.const 16)))
     (br $l3)))
    (local.set $m1 (f32x4.splat (f32.mul (call $hsum (local.get $acc)) (local.get $invF))))
    (local.set $m2 (f32x4.splat (f32.mul (call $hsum (local.get $acc2)) (local.get $invF))))
    ;; pass 4: dx = rstd (dx̂ − m1 − x̂ m2), through the input ReLU; db
    (local.set $i (i32.const 0))
    (block $b4 (loop $l4
     (br_if $b4 (i32.ge_u (local.get $i) (local.get $Fb)))
     (local.set $xh (v128.load (i32.add (local.get $dxo) (local.get $i))))
     (local.set $t
      (f32x4.mul (local.get $rstd)
       (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $tmp) (local.get $i))) (local.get $m1))
                  (f32x4.mul (local.get $xh) (local.get $m2)))))
     (if (local.get $pre)
      (then
       (local.set $t
        (v128.and (local.get $t)
         (f32x4.gt
          (f32x4.add (v128.load (i32.add (local.get $xo) (local.get $i)))
                     (v128.load (i32.add (i32.add (local.get $b) (local.get $co)) (local.get $i))))
          (local.get $zero))))))
     (v128.store (i32.add (local.get $dxo) (local.get $i)) (local.get $t))
     (v128.store (i32.add (i32.add (local.get $db) (local.get $co)) (local.get $i))
      (f32x4.add (v128.load (i32.add (i32.add (local.get $db) (local.get $co)) (local.get $i))) (local.get $t)))
     (local.set $i (i32.add (local.get $i) (i32.const 16)))
     (br $l4)))
    (local.set $c0 (i32.add (local.get $c0) (local.get $F)))
    (br $lc)))
   (local.set $r (i32.add (local.get $r) (i32.const 1)))
   (br $lr))))

 ;; out[i·E ..] += table[idx[i]·E ..] for i < n (E % 4 = 0).
 (func (export "gather_add") (param $n i32) (param $E i32) (param $idx i32) (param $table i32) (param $out i32)
  (local $i i32) (local $d i32) (local $Eb i32) (local $s i32) (local $o i32)
  (local.set $Eb (i32.shl (local.get $E) (i32.const 2)))
  (block $bi (loop $li
   (br_if $bi (i32.ge_u (local.get $i) (local.get $n)))
   (local.set $s (i32.add (local.get $table)
    (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))) (local.get $Eb))))
   (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $Eb))))
   (local.set $d (i32.const 0))
   (block $bd (loop $ld
    (br_if $bd (i32.ge_u (local.get $d) (local.get $Eb)))
    (v128.store (i32.add (local.get $o) (local.get $d))
     (f32x4.add (v128.load (i32.add (local.get $o) (local.get $d))) (v128.load (i32.add (local.get $s) (local.get $d)))))
    (local.set $d (i32.add (local.get $d) (i32.const 16)))
    (br $ld)))
   (local.set $i (i32.add (local.get $i) (i32.const 1)))
   (br $li))))

 ;; table[idx[i]·E ..] += src[i·E ..] for i < n (E % 4 = 0): the gradient of gather_add.
 (func (export "scatter_add") (param $n i32) (param $E i32) (param $idx i32) (param $src i32) (param $table i32)
  (local $i i32) (local $d i32) (local $Eb i32) (local $s i32) (local $o i32)
  (local.set $Eb (i32.shl (local.get $E) (i32.const 2)))
  (block $bi (loop $li
   (br_if $bi (i32.ge_u (local.get $i) (local.get $n)))
   (local.set $o (i32.add (local.get $table)
    (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))) (local.get $Eb))))
   (local.set $s (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $Eb))))
   (local.set $d (i32.const 0))
   (block $bd (loop $ld
    (br_if $bd (i32.ge_u (local.get $d) (local.get $Eb)))
    (v128.store (i32.add (local.get $o) (local.get $d))
     (f32x4.add (v128.load (i32.add (local.get $o) (local.get $d))) (v128.load (i32.add (local.get $s) (local.get $d)))))
    (local.set $d (i32.add (local.get $d) (i32.const 16)))
    (br $ld)))
   (local.set $i (i32.add (local.get $i) (i32.const 1)))
   (br $li))))

 ;; Batched small products with strides (in floats): out[t, i, j] = Σ_p a[t·sa + i·ai + p·ap] · b[t·sb + p·bp + j·bj].
 (func (export "bmm_strided")
  (param $batch i32) (param $m i32) (param $k i32) (param $n i32)
  (param $a i32) (param $sa i32) (param $ai i32) (param $ap i32)
  (param $b i32) (param $sb i32) (param $bp i32) (param $bj i32) (param $out i32)
  (local $t i32) (local $i i32) (local $j i32) (local $p i32) (local $s f32)
  (local $at i32) (local $bt i32) (local $ar i32) (local $bc i32)
  (local.set $sa (i32.shl (local.get $sa) (i32.const 2)))
  (local.set $ai (i32.shl (local.get $ai) (i32.const 2)))
  (local.set $ap (i32.shl (local.get $ap) (i32.const 2)))
  (local.set $sb (i32.shl (local.get $sb) (i32.const 2)))
  (local.set $bp (i32.shl (local.get $bp) (i32.const 2)))
  (local.set $bj (i32.shl (local.get $bj) (i32.const 2)))
  (block $bt0 (loop $lt
   (br_if $bt0 (i32.ge_u (local.get $t) (local.get $batch)))
   (local.set $at (i32.add (local.get $a) (i32.mul (local.get $t) (local.get $sa))))
   (local.set $bt (i32.add (local.get $b) (i32.mul (local.get $t) (local.get $sb))))
   (local.set $i (i32.const 0))
   (block $bi (loop $li
    (br_if $bi (i32.ge_u (local.get $i) (local.get $m)))
    (local.set $j (i32.const 0))
    (block $bj0 (loop $lj
     (br_if $bj0 (i32.ge_u (local.get $j) (local.get $n)))
     (local.set $ar (i32.add (local.get $at) (i32.mul (local.get $i) (local.get $ai))))
     (local.set $bc (i32.add (local.get $bt) (i32.mul (local.get $j) (local.get $bj))))
     (local.set $s (f32.const 0))
     (local.set $p (i32.const 0))
     (block $bp0 (loop $lp
      (br_if $bp0 (i32.ge_u (local.get $p) (local.get $k)))
      (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ar)) (f32.load (local.get $bc)))))
      (local.set $ar (i32.add (local.get $ar) (local.get $ap)))
      (local.set $bc (i32.add (local.get $bc) (local.get $bp)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $lp)))
     (f32.store (local.get $out) (local.get $s))
     (local.set $out (i32.add (local.get $out) (i32.const 4)))
     (local.set $j (i32.add (local.get $j) (i32.const 1)))
     (br $lj)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $li)))
   (local.set $t (i32.add (local.get $t) (i32.const 1)))
   (br $lt))))

 ;; C[i, j] = Σ_p A[i, p] · B[p, j] for i < m4 (a multiple of 4) and j < n8 (a multiple of 8), C with row
 ;; stride n, A(i, p) at a + 4·(i + p·ap) (A transposed in memory: four rows are one vector), B(p, j) at
 ;; b + 4·(p·n + j). 4 × 8 tiles with one accumulator per output, summed over p in order with a separate multiply
 ;; and add: the same rounding as XNNPACK's f32 GEMM, so the result is bit-identical to tfjs-wasm's product.
 (func (export "gemm_tn")
  (param $m4 i32) (param $k i32) (param $n8 i32) (param $n i32) (param $a i32) (param $ap i32) (param $b i32) (param $out i32)
  (local $i i32) (local $j i32) (local $p i32) (local $pa i32) (local $pb i32) (local $o i32) (local $rowB i32)
  (local $va v128) (local $s v128) (local $b0 v128) (local $b1 v128)
  (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
  (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
  (local.set $ap (i32.shl (local.get $ap) (i32.const 2)))
  (local.set $rowB (i32.shl (local.get $n) (i32.const 2)))
  (block $bi (loop $li
   (br_if $bi (i32.ge_u (local.get $i) (local.get $m4)))
   (local.set $j (i32.const 0))
   (block $bj (loop $lj
    (br_if $bj (i32.ge_u (local.get $j) (local.get $n8)))
     (local.set $c0 (v128.const i32x4 0 0 0 0))
     (local.set $c1 (v128.const i32x4 0 0 0 0))
     (local.set $c2 (v128.const i32x4 0 0 0 0))
     (local.set $c3 (v128.const i32x4 0 0 0 0))
     (local.set $c4 (v128.const i32x4 0 0 0 0))
     (local.set $c5 (v128.const i32x4 0 0 0 0))
     (local.set $c6 (v128.const i32x4 0 0 0 0))
     (local.set $c7 (v128.const i32x4 0 0 0 0))
    (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
    (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
    (local.set $p (i32.const 0))
    (block $bp (loop $lp
      (br_if $bp (i32.ge_u (local.get $p) (local.get $k)))
      (local.set $va (v128.load (local.get $pa)))
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $s (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $va) (local.get $va)))
      (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $va) (local.get $va)))
      (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $va) (local.get $va)))
      (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $s (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $va) (local.get $va)))
      (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $s) (local.get $b0))))
      (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $s) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (local.get $ap)))
      (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $lp)))
     (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
     (v128.store (local.get $o) (local.get $c0))
     (v128.store offset=16 (local.get $o) (local.get $c1))
     (local.set $o (i32.add (local.get $o) (local.get $rowB)))
     (v128.store (local.get $o) (local.get $c2))
     (v128.store offset=16 (local.get $o) (local.get $c3))
     (local.set $o (i32.add (local.get $o) (local.get $rowB)))
     (v128.store (local.get $o) (local.get $c4))
     (v128.store offset=16 (local.get $o) (local.get $c5))
     (local.set $o (i32.add (local.get $o) (local.get $rowB)))
     (v128.store (local.get $o) (local.get $c6))
     (v128.store offset=16 (local.get $o) (local.get $c7))
    (local.set $j (i32.add (local.get $j) (i32.const 8)))
    (br $lj)))
   (local.set $i (i32.add (local.get $i) (i32.const 4)))
   (br $li))))

 ;; exp of 4 lanes (the scalar $exp's polynomial; inputs clamped to [−87, 88]).
 (func $exp4 (param $x v128) (result v128)
  (local $n v128) (local $r v128) (local $z v128) (local $p v128)
  (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)) (v128.const f32x4 88 88 88 88)))
  (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
  (local.set $r
   (f32x4.sub
    (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
    (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
  (local.set $z (f32x4.mul (local.get $r) (local.get $r)))
  (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
  (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
  (f32x4.mul (local.get $p)
   (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

 (func (export "exp4_test") (param $p i32) (v128.store (local.get $p) (call $exp4 (v128.load (local.get $p)))))

 ;; attend_fwd for exactly 4 heads: one vector op per edge for the logits, softmax and head mean.
 (func (export "attend_fwd4")
  (param $U i32) (param $D i32)
  (param $seg i32) (param $src i32) (param $rel i32) (param $dst i32)
  (param $ss i32) (param $sStride i32) (param $ds i32) (param $dStride i32) (param $rb i32) (param $rStride i32)
  (param $v i32) (param $slope f32) (param $out i32) (param $alpha i32) (param $ent i32)
  (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $ap i32) (local $op i32) (local $rowD i32)
  (local $dv v128) (local $x v128) (local $e v128) (local $mx v128) (local $sm v128) (local $tt v128) (local $sl v128)
  (local.set $rowD (i32.shl (local.get $D) (i32.const 2)))
  (local.set $sStride (i32.shl (local.get $sStride) (i32.const 2)))
  (local.set $dStride (i32.shl (local.get $dStride) (i32.const 2)))
  (local.set $rStride (i32.shl (local.get $rStride) (i32.const 2)))
  (local.set $sl (f32x4.splat (local.get $slope)))
  (block $bu
   (loop $lu
    (br_if $bu (i32.ge_u (local.get $u) (local.get $U)))
    (local.set $k0 (i32.load (i32.add (local.get $seg) (i32.shl (local.get $u) (i32.const 2)))))
    (local.set $k1 (i32.load (i32.add (local.get $seg) (i32.shl (i32.add (local.get $u) (i32.const 1)) (i32.const 2)))))
    (local.set $dv (v128.load (i32.add (local.get $ds)
     (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $u) (i32.const 2)))) (local.get $dStride)))))
    (local.set $mx (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $x
      (f32x4.add
       (f32x4.add
        (v128.load (i32.add (local.get $ss)
         (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $sStride))))
        (local.get $dv))
       (v128.load (i32.add (local.get $rb)
        (i32.mul (i32.load (i32.add (local.get $rel) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rStride))))))
     (local.set $x (v128.bitselect (local.get $x) (f32x4.mul (local.get $x) (local.get $sl))
      (f32x4.gt (local.get $x) (v128.const f32x4 0 0 0 0))))
     (v128.store (i32.add (local.get $alpha) (i32.shl (local.get $k) (i32.const 4))) (local.get $x))
     (local.set $mx (f32x4.max (local.get $mx) (local.get $x)))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    (local.set $sm (v128.const f32x4 0 0 0 0))
    (local.set $tt (v128.const f32x4 0 0 0 0))
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $ap (i32.add (local.get $alpha) (i32.shl (local.get $k) (i32.const 4))))
     (local.set $x (f32x4.sub (v128.load (local.get $ap)) (local.get $mx)))
     (local.set $e (call $exp4 (local.get $x)))
     (v128.store (local.get $ap) (local.get $e))
     (local.set $sm (f32x4.add (local.get $sm) (local.get $e)))
     (local.set $tt (f32x4.add (local.get $tt) (f32x4.mul (local.get $e) (local.get $x))))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    (local.set $op (i32.add (local.get $out) (i32.mul (local.get $u) (local.get $rowD))))
    (memory.fill (local.get $op) (i32.const 0) (local.get $rowD))
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $ap (i32.add (local.get $alpha) (i32.shl (local.get $k) (i32.const 4))))
     (local.set $e (f32x4.div (v128.load (local.get $ap)) (local.get $sm)))
     (v128.store (local.get $ap) (local.get $e))
     (call $axpy (local.get $D) (f32.mul (call $hsum (local.get $e)) (f32.const 0.25))
      (i32.add (local.get $v)
       (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowD)))
      (local.get $op))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    (if (local.get $ent)
     (then
      (local.set $ap (i32.add (local.get $ent) (i32.shl (local.get $u) (i32.const 5))))
      (v128.store (local.get $ap) (local.get $sm))
      (v128.store offset=16 (local.get $ap) (f32x4.div (local.get $tt) (local.get $sm)))))
    (local.set $u (i32.add (local.get $u) (i32.const 1)))
    (br $lu))))

 ;; attend_bwd for exactly 4 heads (see attend_bwd). tmp: largest segment floats.
 (func (export "attend_bwd4")
  (param $U i32) (param $D i32)
  (param $seg i32) (param $src i32) (param $rel i32) (param $dst i32)
  (param $ss i32) (param $sStride i32) (param $ds i32) (param $dStride i32) (param $rb i32) (param $rStride i32)
  (param $v i32) (param $slope f32) (param $alpha i32) (param $dout i32)
  (param $dss i32) (param $dds i32) (param $drb i32) (param $dvv i32) (param $tmp i32)
  (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $s i32) (local $r i32) (local $rr i32)
  (local $gp i32) (local $p i32) (local $rowD i32)
  (local $a v128) (local $dot v128) (local $g v128) (local $x v128) (local $dv v128) (local $sl v128) (local $d f32)
  (local.set $rowD (i32.shl (local.get $D) (i32.const 2)))
  (local.set $sStride (i32.shl (local.get $sStride) (i32.const 2)))
  (local.set $dStride (i32.shl (local.get $dStride) (i32.const 2)))
  (local.set $rStride (i32.shl (local.get $rStride) (i32.const 2)))
  (local.set $sl (f32x4.splat (local.get $slope)))
  (block $bu
   (loop $lu
    (br_if $bu (i32.ge_u (local.get $u) (local.get $U)))
    (local.set $k0 (i32.load (i32.add (local.get $seg) (i32.shl (local.get $u) (i32.const 2)))))
    (local.set $k1 (i32.load (i32.add (local.get $seg) (i32.shl (i32.add (local.get $u) (i32.const 1)) (i32.const 2)))))
    (local.set $r (i32.mul (i32.load (i32.add (local.get $dst) (i32.shl (local.get $u) (i32.const 2)))) (local.get $dStride)))
    (local.set $dv (v128.load (i32.add (local.get $ds) (local.get $r))))
    (local.set $gp (i32.add (local.get $dout) (i32.mul (local.get $u) (local.get $rowD))))
    (local.set $dot (v128.const f32x4 0 0 0 0))
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $s (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowD)))
     (local.set $a (v128.load (i32.add (local.get $alpha) (i32.shl (local.get $k) (i32.const 4)))))
     (call $axpy (local.get $D) (f32.mul (call $hsum (local.get $a)) (f32.const 0.25)) (local.get $gp)
      (i32.add (local.get $dvv) (local.get $s)))
     (local.set $d (f32.mul (call $dot (local.get $D) (local.get $gp) (i32.add (local.get $v) (local.get $s))) (f32.const 0.25)))
     (f32.store (i32.add (local.get $tmp) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 2))) (local.get $d))
     (local.set $dot (f32x4.add (local.get $dot) (f32x4.mul (local.get $a) (f32x4.splat (local.get $d)))))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    (local.set $k (local.get $k0))
    (block $bk (loop $lk
     (br_if $bk (i32.ge_u (local.get $k) (local.get $k1)))
     (local.set $s (i32.mul (i32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))) (local.get $sStride)))
     (local.set $rr (i32.mul (i32.load (i32.add (local.get $rel) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rStride)))
     (local.set $g
      (f32x4.mul (v128.load (i32.add (local.get $alpha) (i32.shl (local.get $k) (i32.const 4))))
       (f32x4.sub
        (f32x4.splat (f32.load (i32.add (local.get $tmp) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 2)))))
        (local.get $dot))))
     (local.set $x
      (f32x4.add (f32x4.add (v128.load (i32.add (local.get $ss) (local.get $s))) (local.get $dv))
       (v128.load (i32.add (local.get $rb) (local.get $rr)))))
     (local.set $g (v128.bitselect (local.get $g) (f32x4.mul (local.get $g) (local.get $sl))
      (f32x4.gt (local.get $x) (v128.const f32x4 0 0 0 0))))
     (local.set $p (i32.add (local.get $dss) (local.get $s)))
     (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $g)))
     (local.set $p (i32.add (local.get $dds) (local.get $r)))
     (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $g)))
     (local.set $p (i32.add (local.get $drb) (local.get $rr)))
     (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $g)))
     (local.set $k (i32.add (local.get $k) (i32.const 1)))
     (br $lk)))
    (local.set $u (i32.add (local.get $u) (i32.const 1)))
    (br $lu))))
)
