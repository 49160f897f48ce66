//! Conditions compiled to postfix code over a bit set of runtime variables.
//!
//! The host component asks for a decision per URL, so evaluating `assistant_active and signed_in` must not
//! allocate. A condition is compiled to a short program of [`Op`]s run on a stack of bits held in one `u64`,
//! which bounds nesting at 64 levels; the compiler refuses deeper conditions with a diagnostic.

use crate::ir::Cond;
use serde::{Deserialize, Serialize};

/// One instruction. `Var(i)` pushes bit `i` of the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Var(u8),
    Not,
    And,
    Or,
}

/// Deepest stack a program may need.
pub const MAX_DEPTH: usize = 64;

/// Compiles a condition; `var` maps a name to its bit. Returns `None` if the condition is deeper than
/// [`MAX_DEPTH`] or names an unknown variable.
pub fn compile(c: &Cond, var: &impl Fn(&str) -> Option<u8>) -> Option<Vec<Op>> {
    let mut out = Vec::new();
    emit(c, var, &mut out)?;
    (max_depth(&out)? <= MAX_DEPTH).then_some(out)
}

fn emit(c: &Cond, var: &impl Fn(&str) -> Option<u8>, out: &mut Vec<Op>) -> Option<()> {
    match c {
        Cond::Var(n) => out.push(Op::Var(var(n)?)),
        Cond::Not(c) => {
            emit(c, var, out)?;
            out.push(Op::Not);
        }
        Cond::And(cs) | Cond::Or(cs) => {
            let op = if matches!(c, Cond::And(_)) { Op::And } else { Op::Or };
            for (i, c) in cs.iter().enumerate() {
                emit(c, var, out)?;
                if i > 0 {
                    out.push(op);
                }
            }
            if cs.is_empty() {
                return None;
            }
        }
    }
    Some(())
}

/// The stack depth a program needs, or `None` if it would underflow or leave other than one value.
pub fn max_depth(ops: &[Op]) -> Option<usize> {
    let mut depth = 0usize;
    let mut max = 0;
    for op in ops {
        match op {
            Op::Var(_) => depth += 1,
            Op::Not => {
                if depth == 0 {
                    return None;
                }
            }
            Op::And | Op::Or => {
                if depth < 2 {
                    return None;
                }
                depth -= 1;
            }
        }
        max = max.max(depth);
    }
    (depth == 1).then_some(max)
}

/// Runs a program validated by [`max_depth`] against the variable bits.
#[inline]
pub fn eval(ops: &[Op], vars: u64) -> bool {
    let mut stack: u64 = 0;
    for op in ops {
        match *op {
            Op::Var(i) => stack = (stack << 1) | ((vars >> (i & 63)) & 1),
            Op::Not => stack ^= 1,
            Op::And => {
                let top = stack & 1;
                stack >>= 1;
                stack = (stack & !1) | (stack & top);
            }
            Op::Or => {
                let top = stack & 1;
                stack >>= 1;
                stack |= top;
            }
        }
    }
    stack & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_agree_with_the_ir() {
        let names = ["a", "b", "c"];
        let var = |n: &str| names.iter().position(|x| *x == n).map(|i| i as u8);
        let conds = [
            Cond::And(vec![Cond::Var("a".into()), Cond::Var("b".into())]),
            Cond::Or(vec![Cond::Var("a".into()), Cond::Not(Box::new(Cond::Var("c".into())))]),
            Cond::And(vec![
                Cond::Or(vec![Cond::Var("a".into()), Cond::Var("b".into())]),
                Cond::Not(Box::new(Cond::And(vec![Cond::Var("b".into()), Cond::Var("c".into())]))),
            ]),
        ];
        for c in &conds {
            let ops = compile(c, &var).unwrap();
            for bits in 0..8u64 {
                let value = |n: &str| bits >> var(n).unwrap() & 1 == 1;
                assert_eq!(eval(&ops, bits), c.eval(&value), "{c} at {bits:03b}");
            }
        }
    }
}
