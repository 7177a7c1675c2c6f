//! `LSTM`, `GRU` and `RNN`, unrolled over their fixed sequence length into primitives the
//! circuit already proves: one matmul of the whole input sequence by the input weights, then
//! per time step a matmul of the previous hidden state by the recurrence weights, column
//! slices for the gates, sigmoid/tanh lookups and elementwise products.
//!
//! Supported: every direction, optional biases, initial states and (LSTM) peepholes, both
//! layouts; the default activations only (what PyTorch, Keras and the converters emit).
//! Unsupported, as typed errors: custom activations, `clip`, `input_forget`, and
//! `sequence_lens` shorter than the sequence.

use super::{Binary, BuildCtx, Built, Op, SliceAxis, Step, StepArg, Unary};
use crate::error::Result;
use crate::tensor::{DType, Tensor};

/// The three recurrent cells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    Lstm,
    Gru,
    Rnn,
}

impl Cell {
    /// Gates stacked in the weight matrices (ONNX order: LSTM i,o,f,c; GRU z,r,h; RNN one).
    fn gates(self) -> usize {
        match self {
            Self::Lstm => 4,
            Self::Gru => 3,
            Self::Rnn => 1,
        }
    }

    fn default_activations(self) -> &'static [&'static str] {
        match self {
            Self::Lstm => &["Sigmoid", "Tanh", "Tanh"],
            Self::Gru => &["Sigmoid", "Tanh"],
            Self::Rnn => &["Tanh"],
        }
    }
}

/// Steps under construction; each push returns a reference to the new step's output.
struct Seq {
    steps: Vec<Step>,
}

impl Seq {
    fn push(&mut self, op: Op, args: Vec<StepArg>) -> StepArg {
        self.steps.push(Step { op, args });
        StepArg::Step(self.steps.len() - 1)
    }

    fn bin(&mut self, b: Binary, x: &StepArg, y: &StepArg) -> StepArg {
        self.push(Op::Binary(b), vec![x.clone(), y.clone()])
    }

    fn unary(&mut self, u: Unary, x: &StepArg) -> StepArg {
        self.push(Op::Unary(u), vec![x.clone()])
    }

    fn reshape(&mut self, x: &StepArg, shape: Vec<usize>) -> StepArg {
        self.push(Op::Reshape { shape }, vec![x.clone()])
    }

    /// `x[.., cols]` of a `[rows, width]` matrix.
    fn cols(&mut self, x: &StepArg, rows: usize, start: usize, len: usize) -> StepArg {
        let axes =
            vec![SliceAxis { start: 0, step: 1, len: rows }, SliceAxis { start, step: 1, len }];
        self.push(Op::Slice { axes }, vec![x.clone()])
    }

    /// `x + h·Rᵀ` (the recurrence term of the gates), or `x` when there is no previous state;
    /// `r_t` builds `Rᵀ` only when it is needed.
    fn plus_recurrence(
        &mut self,
        x: StepArg,
        h: Option<&StepArg>,
        r_t: impl FnOnce() -> StepArg,
    ) -> StepArg {
        match h {
            Some(h) => {
                let hr = self.push(Op::MatMul, vec![h.clone(), r_t()]);
                self.bin(Binary::Add, &x, &hr)
            }
            None => x,
        }
    }

    fn index(&self, a: &StepArg) -> usize {
        match a {
            StepArg::Step(i) => *i,
            _ => self.steps.len() - 1,
        }
    }
}

/// Direction `d`'s initial state from node input `i` (`[dirs, batch, hidden]`), as
/// `[batch, hidden]`.
fn initial_state(s: &mut Seq, i: usize, d: usize, batch: usize, hidden: usize) -> StepArg {
    let axes = vec![
        SliceAxis { start: d, step: 1, len: 1 },
        SliceAxis { start: 0, step: 1, len: batch },
        SliceAxis { start: 0, step: 1, len: hidden },
    ];
    let st = s.push(Op::Slice { axes }, vec![StepArg::Input(i)]);
    s.reshape(&st, vec![batch, hidden])
}

fn konst(shape: Vec<usize>, data: Vec<f64>) -> StepArg {
    StepArg::Const(Tensor::new(shape, DType::Float, data))
}

/// `Wᵀ` of direction `d`: `w` is `[dirs, rows, cols]`, the result `[cols, rows]`.
fn transposed(w: &Tensor, d: usize, row0: usize, rows: usize) -> StepArg {
    let (all_rows, cols) = (w.shape[1], w.shape[2]);
    let base = d * all_rows * cols;
    let mut data = Vec::with_capacity(rows * cols);
    for c in 0..cols {
        for r in row0..row0 + rows {
            data.push(w.data[base + r * cols + c]);
        }
    }
    konst(vec![cols, rows], data)
}

/// Builds an `LSTM`, `GRU` or `RNN` node.
///
/// # Errors
/// Non-constant weights, unsupported attributes, or shapes that disagree.
#[allow(clippy::too_many_lines)]
pub fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let cell = match op_type {
        "LSTM" => Cell::Lstm,
        "GRU" => Cell::Gru,
        _ => Cell::Rnn,
    };
    let a = &ctx.attrs;
    let dirs = match a.string("direction").as_deref().unwrap_or("forward") {
        "forward" => vec![false],
        "reverse" => vec![true],
        "bidirectional" => vec![false, true],
        other => return Err(a.error("direction", format!("unknown direction '{other}'"))),
    };
    if let Some(acts) = a.strings("activations") {
        let want = cell.default_activations();
        let ok = acts.len() == want.len() * dirs.len()
            && acts.iter().enumerate().all(|(i, s)| s.eq_ignore_ascii_case(want[i % want.len()]));
        if !ok {
            return Err(ctx.unsupported(format!(
                "activations {acts:?}: only the defaults {want:?} per direction are supported"
            )));
        }
    }
    if a.has("clip") {
        return Err(ctx.unsupported("cell clipping (clip) is not supported; export without it"));
    }
    if a.int_or("input_forget", 0) != 0 {
        return Err(ctx.unsupported("input_forget = 1 is not supported"));
    }
    let linear_before_reset = a.int_or("linear_before_reset", 0) != 0;
    let layout = a.int_or("layout", 0);
    let x = ctx.arg(0)?;
    let [d0, d1, input] = x.shape.as_slice() else {
        return Err(ctx.shape_err(format!("X must have rank 3, got shape {:?}", x.shape)));
    };
    let (seq, batch) = if layout == 0 { (*d0, *d1) } else { (*d1, *d0) };
    if seq == 0 || batch == 0 {
        return Err(ctx.shape_err(format!("X has an empty axis: {:?}", x.shape)));
    }
    let w = ctx.const_arg(1, "the input weights W")?;
    let r = ctx.const_arg(2, "the recurrence weights R")?;
    let g = cell.gates();
    let nd = dirs.len();
    let Some(&hidden) = r.shape.get(2) else {
        return Err(ctx.shape_err(format!("R must have rank 3, got shape {:?}", r.shape)));
    };
    if w.shape != [nd, g * hidden, *input] || r.shape != [nd, g * hidden, hidden] {
        return Err(ctx.shape_err(format!(
            "W {:?} and R {:?} do not match {nd} direction(s), {g} gates, hidden size {hidden} and input size {input}",
            w.shape, r.shape
        )));
    }
    if a.has("hidden_size") && usize::try_from(a.int_or("hidden_size", 0)).ok() != Some(hidden) {
        let h = a.int_or("hidden_size", 0);
        return Err(a.error("hidden_size", format!("{h} differs from R's hidden size {hidden}")));
    }
    let bias = ctx.opt_const_arg(3, "the biases B")?;
    if let Some(b) = bias {
        if b.shape != [nd, 2 * g * hidden] {
            return Err(ctx.shape_err(format!("B has shape {:?}", b.shape)));
        }
    }
    if let Some(lens) = ctx.opt_arg(4) {
        let full = lens.value.as_ref().is_some_and(|t| {
            t.data
                .iter()
                .all(|&v| (v - f64::from(u32::try_from(seq).unwrap_or(u32::MAX))).abs() < 0.5)
        });
        if !full {
            return Err(ctx.unsupported(
                "sequence_lens must be constant and equal to the sequence length (no padding)",
            ));
        }
    }
    let state_shape = [nd, batch, hidden];
    for (i, what) in [(5, "initial_h"), (6, "initial_c")] {
        if let Some(s) = ctx.opt_arg(i) {
            if s.shape != state_shape {
                return Err(ctx.shape_err(format!(
                    "{what} has shape {:?}, expected {state_shape:?}",
                    s.shape
                )));
            }
        }
    }
    let peephole = if cell == Cell::Lstm { ctx.opt_const_arg(7, "the peepholes P")? } else { None };
    if let Some(p) = peephole {
        if p.shape != [nd, 3 * hidden] {
            return Err(ctx.shape_err(format!(
                "P has shape {:?}, expected [{nd}, {}]",
                p.shape,
                3 * hidden
            )));
        }
    }

    let mut s = Seq { steps: Vec::new() };
    let xs = if layout == 0 {
        StepArg::Input(0)
    } else {
        s.push(Op::Transpose { perm: vec![1, 0, 2] }, vec![StepArg::Input(0)])
    };
    let gh = g * hidden;
    let mut ys = Vec::new(); // per direction: [seq, 1, batch, hidden]
    let mut finals_h = Vec::new();
    let mut finals_c = Vec::new();
    for (d, &reverse) in dirs.iter().enumerate() {
        // Input projections of every step at once: [seq, batch, g·hidden], with both biases
        // (except GRU's recurrence bias of the h gate, which the reset gate scales or follows).
        let bias_of = |row0: usize, len: usize, recurrent: bool| -> Vec<f64> {
            let off = d * 2 * gh + if recurrent { gh } else { 0 };
            bias.map_or_else(|| vec![0.0; len], |b| b.data[off + row0..off + row0 + len].to_vec())
        };
        let mut b_in = bias_of(0, gh, false);
        let b_rec = bias_of(0, gh, true);
        let rec_h_separate = cell == Cell::Gru;
        for (k, v) in b_in.iter_mut().enumerate() {
            if !(rec_h_separate && k >= 2 * hidden) {
                *v += b_rec[k];
            }
        }
        let xw = s.push(Op::MatMul, vec![xs.clone(), transposed(w, d, 0, gh)]);
        let xw = s.bin(Binary::Add, &xw, &konst(vec![gh], b_in));
        let mut h: Option<StepArg> =
            ctx.opt_arg(5).map(|_| initial_state(&mut s, 5, d, batch, hidden));
        let mut c: Option<StepArg> = (cell == Cell::Lstm && ctx.opt_arg(6).is_some())
            .then(|| initial_state(&mut s, 6, d, batch, hidden));
        let mut outs: Vec<StepArg> = vec![StepArg::Input(0); seq];
        let order: Vec<usize> = if reverse { (0..seq).rev().collect() } else { (0..seq).collect() };
        for &t in &order {
            let slice = s.push(
                Op::Slice {
                    axes: vec![
                        SliceAxis { start: t, step: 1, len: 1 },
                        SliceAxis { start: 0, step: 1, len: batch },
                        SliceAxis { start: 0, step: 1, len: gh },
                    ],
                },
                vec![xw.clone()],
            );
            let xg = s.reshape(&slice, vec![batch, gh]);
            let new_h = match cell {
                Cell::Rnn => {
                    let pre = s.plus_recurrence(xg, h.as_ref(), || transposed(r, d, 0, gh));
                    s.unary(Unary::Tanh, &pre)
                }
                Cell::Lstm => {
                    let gates = s.plus_recurrence(xg, h.as_ref(), || transposed(r, d, 0, gh));
                    let peep = |s: &mut Seq, k: usize, pre: StepArg, state: &Option<StepArg>| match (
                        peephole, state,
                    ) {
                        (Some(p), Some(cs)) => {
                            let off = d * 3 * hidden + k * hidden;
                            let pk = konst(vec![hidden], p.data[off..off + hidden].to_vec());
                            let term = s.bin(Binary::Mul, cs, &pk);
                            s.bin(Binary::Add, &pre, &term)
                        }
                        _ => pre,
                    };
                    let gi = s.cols(&gates, batch, 0, hidden);
                    let gi = peep(&mut s, 0, gi, &c);
                    let i = s.unary(Unary::Sigmoid, &gi);
                    let gf = s.cols(&gates, batch, 2 * hidden, hidden);
                    let gf = peep(&mut s, 2, gf, &c);
                    let f = s.unary(Unary::Sigmoid, &gf);
                    let gc = s.cols(&gates, batch, 3 * hidden, hidden);
                    let cand = s.unary(Unary::Tanh, &gc);
                    let ic = s.bin(Binary::Mul, &i, &cand);
                    let new_c = match &c {
                        Some(cp) => {
                            let fc = s.bin(Binary::Mul, &f, cp);
                            s.bin(Binary::Add, &fc, &ic)
                        }
                        None => ic,
                    };
                    let go = s.cols(&gates, batch, hidden, hidden);
                    let go = peep(&mut s, 1, go, &Some(new_c.clone()));
                    let o = s.unary(Unary::Sigmoid, &go);
                    let tc = s.unary(Unary::Tanh, &new_c);
                    c = Some(new_c);
                    s.bin(Binary::Mul, &o, &tc)
                }
                Cell::Gru => {
                    let xz = s.cols(&xg, batch, 0, 2 * hidden);
                    let xh = s.cols(&xg, batch, 2 * hidden, hidden);
                    let zr_pre =
                        s.plus_recurrence(xz, h.as_ref(), || transposed(r, d, 0, 2 * hidden));
                    let zr = s.unary(Unary::Sigmoid, &zr_pre);
                    let z = s.cols(&zr, batch, 0, hidden);
                    let rg = s.cols(&zr, batch, hidden, hidden);
                    let rb = konst(vec![hidden], b_rec[2 * hidden..].to_vec());
                    let rh = transposed(r, d, 2 * hidden, hidden);
                    let h_pre = match &h {
                        Some(hp) if linear_before_reset => {
                            let m = s.push(Op::MatMul, vec![hp.clone(), rh]);
                            let m = s.bin(Binary::Add, &m, &rb);
                            let m = s.bin(Binary::Mul, &rg, &m);
                            s.bin(Binary::Add, &xh, &m)
                        }
                        Some(hp) => {
                            let rhp = s.bin(Binary::Mul, &rg, hp);
                            let m = s.push(Op::MatMul, vec![rhp, rh]);
                            let m = s.bin(Binary::Add, &m, &rb);
                            s.bin(Binary::Add, &xh, &m)
                        }
                        // No previous state: r ⊙ 0 = 0, leaving the bias (times r when it
                        // is applied after the reset).
                        None if linear_before_reset => {
                            let m = s.bin(Binary::Mul, &rg, &rb);
                            s.bin(Binary::Add, &xh, &m)
                        }
                        None => s.bin(Binary::Add, &xh, &rb),
                    };
                    let cand = s.unary(Unary::Tanh, &h_pre);
                    // h = (1 − z)·cand + z·h_prev = cand + z·(h_prev − cand)
                    let diff = match &h {
                        Some(hp) => s.bin(Binary::Sub, hp, &cand),
                        None => s.unary(Unary::Neg, &cand),
                    };
                    let zd = s.bin(Binary::Mul, &z, &diff);
                    s.bin(Binary::Add, &cand, &zd)
                }
            };
            outs[t] = s.reshape(&new_h, vec![1, 1, batch, hidden]);
            h = Some(new_h);
        }
        let y = s.push(Op::Concat { axis: 0 }, outs);
        ys.push(y);
        let last = h.unwrap_or_else(|| konst(vec![batch, hidden], vec![0.0; batch * hidden]));
        finals_h.push(s.reshape(&last, vec![1, batch, hidden]));
        if let Some(cc) = c {
            finals_c.push(s.reshape(&cc, vec![1, batch, hidden]));
        }
    }
    let join = |s: &mut Seq, parts: Vec<StepArg>, axis: usize| -> StepArg {
        if parts.len() == 1 {
            s.unary(Unary::Identity, &parts[0])
        } else {
            s.push(Op::Concat { axis }, parts)
        }
    };
    let mut y = join(&mut s, ys, 1);
    let mut yh = join(&mut s, finals_h, 0);
    let mut yc = (!finals_c.is_empty()).then(|| join(&mut s, finals_c, 0));
    if layout != 0 {
        y = s.push(Op::Transpose { perm: vec![2, 0, 1, 3] }, vec![y]);
        yh = s.push(Op::Transpose { perm: vec![1, 0, 2] }, vec![yh]);
        yc = yc.map(|c| s.push(Op::Transpose { perm: vec![1, 0, 2] }, vec![c]));
    }
    let mut outputs = vec![s.index(&y), s.index(&yh)];
    if let Some(c) = yc {
        outputs.push(s.index(&c));
    }
    if ctx.n_outputs > outputs.len() {
        return Err(ctx.unsupported(format!("{op_type} declares {} outputs", ctx.n_outputs)));
    }
    Ok(Built::Steps { steps: s.steps, outputs })
}
