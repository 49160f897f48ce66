//! The matcher artifact: a versioned, self-checking binary file.
//!
//! ```text
//! offset  size  field
//!      0    16  label        b"policyc matcher\0"
//!     16     4  version      format version, little-endian u32 (FORMAT_VERSION)
//!     20     4  endianness   0x0A0B0C0D written little-endian: a reader that sees other bytes was handed a
//!                            file from a writer with another convention (or not an artifact at all)
//!     24    32  policy_hash  SHA-256 of the policy's canonical JSON export (the hash `compile` prints)
//!     56     4  checksum     CRC-32 of every other byte of the file (header and body)
//!     60     4  section_count number of sections
//!     64     …  sections     each: u32 tag, u64 length, bytes
//! ```
//!
//! `docs/artifact.md` is the full specification, written so that a reader in another language can be built
//! from it; the runtime's tests check its tables against the constants here.
//!
//! The loader trusts nothing: it checks label, version, endianness, checksum (so a flipped bit anywhere is
//! detected), section bounds, and then each section's own invariants (the regex-automata DFA through its
//! checked `from_bytes`, the hash indexes entry by entry, the rule tables against each other). A failure is an
//! [`ArtifactError`], never a panic.

use std::fmt;

pub const LABEL: &[u8; 16] = b"policyc matcher\0";
/// Version 2 (from 1): the hash indexes keep keys in their buckets, one cache line per probe, and the domain
/// index marks the suffixes of longer keys so that a lookup can start from a host's shortest suffix.
/// Version 3 added the texts of signals and features, events and retention criteria; version 4 the rules that
/// collect independently of the page (`Meta::sources`, `Meta::independent`); version 5 the retention a source
/// gives when a rule states none (`keep not stated`).
pub const FORMAT_VERSION: u32 = 5;
pub const ENDIAN_TAG: u32 = 0x0A0B_0C0D;
pub const HEADER_LEN: usize = 64;

/// Section tags. `docs/artifact.md` describes each; a test checks that its table lists exactly these.
pub mod tag {
    pub const META: u32 = 1;
    pub const DOMAIN_STRINGS: u32 = 2;
    pub const DOMAIN_SLOTS: u32 = 3;
    pub const WILD_STRINGS: u32 = 4;
    pub const WILD_SLOTS: u32 = 5;
    pub const PSL_STRINGS: u32 = 6;
    pub const PSL_SLOTS: u32 = 7;
    pub const PATH_DFA: u32 = 8;

    /// Every tag with its name, in tag order.
    pub const ALL: [(u32, &str); 8] = [
        (META, "META"),
        (DOMAIN_STRINGS, "DOMAIN_STRINGS"),
        (DOMAIN_SLOTS, "DOMAIN_SLOTS"),
        (WILD_STRINGS, "WILD_STRINGS"),
        (WILD_SLOTS, "WILD_SLOTS"),
        (PSL_STRINGS, "PSL_STRINGS"),
        (PSL_SLOTS, "PSL_SLOTS"),
        (PATH_DFA, "PATH_DFA"),
    ];
}

/// The header's fields: name, offset and size in bytes. `docs/artifact.md` has the same table.
pub const HEADER_FIELDS: [(&str, usize, usize); 6] = [
    ("label", 0, 16),
    ("version", 16, 4),
    ("endianness", 20, 4),
    ("policy_hash", 24, 32),
    ("checksum", CHECKSUM_AT, 4),
    ("section_count", 60, 4),
];

/// Where the checksum sits in the header.
const CHECKSUM_AT: usize = 56;

/// Why bytes could not be loaded as a matcher. The message is one line for a person; a program tells an artifact
/// of another format version (update the runtime, or recompile the policy for this one) from damaged bytes
/// (fetch again) with [`ArtifactError::unsupported_version`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactError {
    message: String,
    version: Option<u32>,
}

impl ArtifactError {
    pub fn new(msg: impl Into<String>) -> Self {
        ArtifactError { message: msg.into(), version: None }
    }

    /// The artifact's format version, when that is why it was refused: it is well labelled, but this runtime
    /// reads [`FORMAT_VERSION`] only. `None` for every other refusal.
    pub fn unsupported_version(&self) -> Option<u32> {
        self.version
    }
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArtifactError {}

/// Writes an artifact from its sections.
#[cfg(feature = "write")]
#[allow(clippy::indexing_slicing)] // The writer builds the buffer itself; its offsets are in bounds.
pub fn write(policy_hash: &[u8; 32], sections: &[(u32, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (t, bytes) in sections {
        body.extend_from_slice(&t.to_le_bytes());
        body.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        body.extend_from_slice(bytes);
    }
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(LABEL);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&ENDIAN_TAG.to_le_bytes());
    out.extend_from_slice(policy_hash);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    let crc = checksum(&out);
    out[56..60].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Rewrites the checksum of `bytes` (at least a header long) to match its contents. For fuzzing and tests only:
/// it lets mutated files reach the validation behind the checksum, as a deliberate forger's would.
#[cfg(feature = "write")]
pub fn reseal(bytes: &mut [u8]) {
    let crc = checksum(bytes);
    if let Some(field) = bytes.get_mut(CHECKSUM_AT..CHECKSUM_AT + 4) {
        field.copy_from_slice(&crc.to_le_bytes());
    }
}

/// CRC-32 over the whole file except the checksum field itself (over what there is, for a short file).
fn checksum(bytes: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(bytes.get(..CHECKSUM_AT).unwrap_or(bytes));
    h.update(bytes.get(CHECKSUM_AT + 4..).unwrap_or(&[]));
    h.finalize()
}

/// The header fields and the sections of a checked artifact, borrowing its bytes.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub policy_hash: [u8; 32],
    pub sections: Vec<(u32, &'a [u8])>,
}

impl<'a> Parsed<'a> {
    /// The section with `tag`, or an error naming it.
    pub fn section(&self, tag: u32) -> Result<&'a [u8], ArtifactError> {
        self.sections
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, b)| *b)
            .ok_or_else(|| ArtifactError::new(format!("artifact lacks section {tag}")))
    }
}

/// The little-endian `u32` at `at`, or 0 past the end (callers check lengths first).
fn u32_le(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[x0, x1, x2, x3]) => u32::from_le_bytes([x0, x1, x2, x3]),
        _ => 0,
    }
}

/// Checks the header and checksum and splits the sections.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, ArtifactError> {
    if bytes.is_empty() {
        // The commonest way to hand over no artifact at all (a failed download, a file never written): say so
        // rather than speak of a label.
        return Err(ArtifactError::new("not a policyc matcher artifact (it is empty)"));
    }
    let has_label = bytes.get(..LABEL.len()) == Some(&LABEL[..]);
    if !has_label {
        return Err(ArtifactError::new("not a policyc matcher artifact (wrong label)"));
    }
    let (Some(header), Some(body)) = (bytes.get(..HEADER_LEN), bytes.get(HEADER_LEN..)) else {
        return Err(ArtifactError::new("truncated artifact: the header is incomplete"));
    };
    let version = u32_le(header, 16);
    if version != FORMAT_VERSION {
        // A newer artifact needs a newer reader; an older one, a compile with this version's compiler.
        let help = if version > FORMAT_VERSION {
            "update policyc, or the runtime that embeds it, to read it"
        } else {
            "recompile the policy with this version of policyc"
        };
        return Err(ArtifactError {
            message: format!(
                "artifact format version {version} is not supported (this policyc reads version {FORMAT_VERSION}); \
                 {help}"
            ),
            version: Some(version),
        });
    }
    if u32_le(header, 20) != ENDIAN_TAG {
        return Err(ArtifactError::new("artifact has the wrong endianness tag"));
    }
    let mut policy_hash = [0u8; 32];
    if let Some(h) = header.get(24..56) {
        policy_hash.copy_from_slice(h);
    }
    if checksum(bytes) != u32_le(header, CHECKSUM_AT) {
        return Err(ArtifactError::new("artifact is corrupted or truncated (checksum mismatch)"));
    }
    let count = u32_le(header, 60) as usize;
    let mut sections = Vec::with_capacity(count.min(64));
    let mut rest = body;
    for _ in 0..count {
        let (Some(frame), Some(after)) = (rest.get(..12), rest.get(12..)) else {
            return Err(ArtifactError::new("artifact section table is truncated"));
        };
        let t = u32_le(frame, 0);
        let len = u64::from(u32_le(frame, 4)) | (u64::from(u32_le(frame, 8)) << 32);
        let Some((section, next)) = usize::try_from(len).ok().filter(|l| *l <= after.len()).map(|l| after.split_at(l))
        else {
            return Err(ArtifactError::new("artifact section runs past the end of the file"));
        };
        // A tag this reader does not know, or one seen before, would be a section it cannot read or a second
        // reading of one it can: either way the file is not what this format version says.
        if !tag::ALL.iter().any(|(known, _)| *known == t) {
            return Err(ArtifactError::new(format!("artifact has a section with the unknown tag {t}")));
        }
        if sections.iter().any(|(seen, _)| *seen == t) {
            return Err(ArtifactError::new(format!("artifact has section {t} twice")));
        }
        sections.push((t, section));
        rest = next;
    }
    if !rest.is_empty() {
        return Err(ArtifactError::new("artifact has trailing bytes after its sections"));
    }
    Ok(Parsed { policy_hash, sections })
}

/// Lowercase hex of a hash.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
