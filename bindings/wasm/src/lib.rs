//! policyc-wasm: the runtime as a WebAssembly module with a small hand-written export surface.
//!
//! The module imports nothing and exports plain functions over integers; `js/index.js` wraps them as the
//! package's ES module API (`loadMatcher`, `decide`, `decideMany`, `sources`). A hand-written surface was chosen over
//! wasm-bindgen because the binding is a dozen calls that move bytes, and wasm-bindgen would need its CLI at
//! exactly the crate's version in every build and in CI, which on machines without prebuilt downloads means
//! compiling it from source each time.
//!
//! The protocol: the caller asks for an input buffer of a size ([`pc_input`]), writes bytes there (an
//! artifact, a settings object as JSON, a URL, a batch of URLs), and calls a function with the length. Each
//! call leaves its answer in one output buffer ([`pc_out_ptr`], [`pc_out_len`]): load info as JSON, a decision
//! record (laid out in [`session`]), or an error message. Return values are handles, ids or 0/1 statuses,
//! never pointers into freed memory; both buffers stay valid until the next call.

pub mod session;

use session::Loaded;
use std::cell::RefCell;

#[derive(Default)]
struct State {
    input: Vec<u8>,
    out: Vec<u8>,
    /// Loaded matchers; a handle is an index plus one.
    slots: Vec<Option<Loaded>>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

impl State {
    fn input(&self, len: u32) -> &[u8] {
        self.input.get(..len as usize).unwrap_or(&[])
    }

    fn slot(&self, handle: u32) -> Option<&Loaded> {
        self.slots.get((handle as usize).checked_sub(1)?)?.as_ref()
    }

    fn fail(&mut self, message: &str) -> u32 {
        self.out.clear();
        self.out.extend_from_slice(message.as_bytes());
        0
    }
}

/// Makes the input buffer at least `len` bytes long and returns its address.
#[unsafe(no_mangle)]
pub extern "C" fn pc_input(len: u32) -> *mut u8 {
    with(|s| {
        if s.input.len() < len as usize {
            s.input.resize(len as usize, 0);
        }
        s.input.as_mut_ptr()
    })
}

/// The address of the last call's answer.
#[unsafe(no_mangle)]
pub extern "C" fn pc_out_ptr() -> *const u8 {
    with(|s| s.out.as_ptr())
}

/// The length of the last call's answer.
#[unsafe(no_mangle)]
pub extern "C" fn pc_out_len() -> u32 {
    with(|s| s.out.len() as u32)
}

/// Loads the artifact in the input buffer's first `len` bytes. Returns a handle (the answer is the load info
/// as JSON), or 0 (the answer is the one-line reason).
#[unsafe(no_mangle)]
pub extern "C" fn pc_load(len: u32) -> u32 {
    with(|s| match Loaded::new(s.input(len)) {
        Ok(l) => {
            s.out = l.info_json();
            let free = s.slots.iter().position(Option::is_none);
            let i = free.unwrap_or(s.slots.len());
            match s.slots.get_mut(i) {
                Some(slot) => *slot = Some(l),
                None => s.slots.push(Some(l)),
            }
            i as u32 + 1
        }
        Err(e) => s.fail(&e.to_string()),
    })
}

/// Frees a loaded matcher; its handle may be reused by a later load.
#[unsafe(no_mangle)]
pub extern "C" fn pc_free(handle: u32) {
    with(|s| {
        if let Some(slot) = (handle as usize).checked_sub(1).and_then(|i| s.slots.get_mut(i)) {
            *slot = None;
        }
    })
}

/// Builds the context of the settings JSON in the input buffer. Returns its id, or 0 (the answer is the
/// error, such as an unknown signal name).
#[unsafe(no_mangle)]
pub extern "C" fn pc_context(handle: u32, len: u32) -> u32 {
    with(|s| {
        let State { input, slots, .. } = &mut *s;
        let json = input.get(..len as usize).unwrap_or(&[]);
        let result = match (handle as usize).checked_sub(1).and_then(|i| slots.get_mut(i)) {
            Some(Some(l)) => l.add_context(json),
            _ => Err("the matcher was freed".to_string()),
        };
        match result {
            Ok(id) => id,
            Err(e) => s.fail(&e),
        }
    })
}

/// Forgets every context of a matcher.
#[unsafe(no_mangle)]
pub extern "C" fn pc_reset_contexts(handle: u32) {
    with(|s| {
        if let Some(Some(l)) = (handle as usize).checked_sub(1).and_then(|i| s.slots.get_mut(i)) {
            l.reset_contexts();
        }
    })
}

/// Decides the URL in the input buffer. Returns the answer's code (see [`session`]: the decision's id, and
/// its record as the answer when the caller has not had it yet), or 0 for an unknown handle or context (the
/// answer is the error).
#[unsafe(no_mangle)]
pub extern "C" fn pc_decide(handle: u32, context: u32, len: u32) -> u32 {
    answer(handle, context, len, "the matcher or its context was freed", |l, url, cx, out| {
        Some(l.decide_into(url, cx, out))
    })
}

/// The answer for a URL of `bytes` bytes that is over the runtime's limit, without the URL: `decide` refuses
/// such a URL in JavaScript before encoding it, so that a huge string is neither copied into the module nor
/// grows its input buffer (linear memory never shrinks). The reason is the runtime's own, so the decision is
/// the one `pc_decide` would give. Returns `ONCE` (a record follows), or 0 when `bytes` is within the limit.
#[unsafe(no_mangle)]
pub extern "C" fn pc_too_long(bytes: u32) -> u32 {
    with(|s| {
        s.out.clear();
        if (bytes as usize) <= policyc_runtime::urlnorm::MAX_URL_LEN {
            return s.fail("the URL is within the limit");
        }
        session::too_long(&mut s.out, bytes as usize)
    })
}

/// Decides a batch of URLs in the input buffer (layout in [`session::Loaded::decide_many_into`]); the answer
/// is a code per URL, each followed by its record when one follows. Returns 1, or 0 (the answer is the error).
#[unsafe(no_mangle)]
pub extern "C" fn pc_decide_many(handle: u32, context: u32, len: u32) -> u32 {
    let failure = "the batch is malformed, or the matcher or its context was freed";
    answer(handle, context, len, failure, |l, batch, cx, out| l.decide_many_into(batch, cx, out).then_some(1))
}

/// Runs `write` on a live matcher and context with the input buffer's first `len` bytes, writing into the
/// output buffer, which is kept between calls so that deciding allocates nothing once it has grown. Returns
/// what `write` returns, or 0 with `failure` as the answer when the handle or context is gone or `write` says
/// the input was bad (`None`).
fn answer(
    handle: u32,
    context: u32,
    len: u32,
    failure: &str,
    write: impl FnOnce(&mut Loaded, &[u8], &policyc_runtime::Context, &mut Vec<u8>) -> Option<u32>,
) -> u32 {
    with(|s| {
        let State { input, out, slots } = &mut *s;
        out.clear();
        let input = input.get(..len as usize).unwrap_or(&[]);
        let slot = (handle as usize).checked_sub(1).and_then(|i| slots.get_mut(i)).and_then(Option::as_mut);
        let code = match slot.and_then(|l| Some((l.context(context).copied()?, l))) {
            Some((cx, l)) => write(l, input, &cx, out),
            None => None,
        };
        match code {
            Some(code) => code,
            None => s.fail(failure),
        }
    })
}

/// The JSON report of the URL in the input buffer, as `policyc match` prints it. Returns 1, or 0.
#[unsafe(no_mangle)]
pub extern "C" fn pc_report(handle: u32, context: u32, len: u32) -> u32 {
    json_answer(handle, context, len, |l, url, cx| l.report_json(url, cx))
}

/// The JSON report of what may be collected independently of the page in a context, as `policyc sources
/// --format json` prints it. Returns 1, or 0.
#[unsafe(no_mangle)]
pub extern "C" fn pc_sources(handle: u32, context: u32) -> u32 {
    json_answer(handle, context, 0, |l, _, cx| l.sources_json(cx))
}

/// Answers with the JSON `write` makes from a live matcher and context and the input buffer's first `len` bytes.
/// Returns 1, or 0 with the error as the answer when the handle or context is gone.
fn json_answer(
    handle: u32,
    context: u32,
    len: u32,
    write: impl FnOnce(&Loaded, &[u8], &policyc_runtime::Context) -> Vec<u8>,
) -> u32 {
    with(|s| {
        let json = match s.slot(handle).map(|l| (l, l.context(context))) {
            Some((l, Some(cx))) => Some(write(l, s.input(len), cx)),
            _ => None,
        };
        match json {
            Some(j) => {
                s.out = j;
                1
            }
            None => s.fail("the matcher or its context was freed"),
        }
    })
}
