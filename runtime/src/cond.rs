//! Conditions compiled to postfix code over a bit set of runtime variables.
//!
//! The host component asks for a decision per URL, so evaluating `assistant_active and signed_in` must not
//! allocate. The compiler turns a condition into a short program of [`Op`]s, run here on a stack of bits held
//! in one `u64`, which bounds nesting at 64 levels; the compiler refuses deeper conditions with a diagnostic,
//! and the loader refuses programs that [`max_depth`] does not accept.

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
    fn programs_evaluate_and_or_not() {
        // (a or b) and not c
        let ops = [Op::Var(0), Op::Var(1), Op::Or, Op::Var(2), Op::Not, Op::And];
        assert_eq!(max_depth(&ops), Some(2));
        for bits in 0..8u64 {
            let (a, b, c) = (bits & 1 == 1, bits & 2 == 2, bits & 4 == 4);
            assert_eq!(eval(&ops, bits), (a || b) && !c, "at {bits:03b}");
        }
    }

    #[test]
    fn malformed_programs_have_no_depth() {
        assert_eq!(max_depth(&[Op::And]), None);
        assert_eq!(max_depth(&[Op::Not]), None);
        assert_eq!(max_depth(&[Op::Var(0), Op::Var(1)]), None);
        assert_eq!(max_depth(&[]), None);
    }
}
