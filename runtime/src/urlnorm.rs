//! URL normalisation: the one place that turns a URL string into what patterns are matched against.
//!
//! The matcher, the reference interpreter, `expect` lines and path patterns all go through [`normalize`] and
//! [`normalize_path`], so that they can never disagree about what a URL *is*. Parsing follows the WHATWG URL
//! standard (the `url` crate): the host is lowercased and IDNA-mapped to punycode, percent-encoded and dotted
//! forms of the host are decoded, dot segments (also percent-encoded ones) are resolved. On top of that the
//! trailing dot of the host is dropped, and percent-encoded *unreserved* characters of the path are decoded
//! (RFC 3986, 6.2.2.2) so that `/%69p/` and `/ip/` are the same path: otherwise a `never` path pattern could be
//! dodged by encoding a letter. Anything that is not an http(s) URL with a domain host is an error, and an
//! error always means "collect nothing".

use std::borrow::Cow;
use std::fmt;

/// A URL reduced to what matching looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormalizedUrl {
    /// ASCII, lowercase, punycode, no trailing dot.
    pub host: String,
    /// Starts with `/`; dot segments resolved; unreserved characters decoded; no query or fragment.
    pub path: String,
}

/// Why a URL cannot be decided. Every variant means "collect nothing".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all, by the WHATWG parser.
    Unparsable(String),
    /// A scheme other than http and https.
    Scheme(String),
    /// An IPv4 or IPv6 address: domain patterns never match those.
    IpAddress(String),
    /// No host, or an empty one.
    NoHost,
    /// A host with an empty label (`a..shop.com`, `.shop.com`). The URL standard accepts such hosts, but no
    /// site pattern has an empty label and DNS has none, so the matcher refuses them rather than guess which
    /// site is meant (it fails closed).
    EmptyLabel(String),
    /// A host the URL parser accepted but IDNA's validity criteria refuse: an `xn--` label whose decoded form
    /// is itself an `xn--` label (UTS 46, criterion V4), which the Unicode form of the same host would not pass.
    InvalidHost(String),
    /// Longer than [`MAX_URL_LEN`].
    TooLong(usize),
}

/// URLs longer than this are refused before parsing; no real page address comes close.
pub const MAX_URL_LEN: usize = 64 * 1024;

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Unparsable(e) => write!(f, "not a valid URL: {e}"),
            UrlError::Scheme(s) => write!(f, "scheme `{s}` is not http or https"),
            UrlError::IpAddress(h) => write!(f, "host `{h}` is an IP address, which no site pattern matches"),
            UrlError::NoHost => write!(f, "the URL has no host"),
            UrlError::EmptyLabel(h) => {
                write!(f, "host `{h}` has an empty label, which no site pattern matches (refused, to fail closed)")
            }
            UrlError::InvalidHost(h) => write!(f, "host `{h}` is not a valid domain name (IDNA)"),
            UrlError::TooLong(n) => write!(f, "the URL is {n} bytes long, over the limit of {MAX_URL_LEN}"),
        }
    }
}

impl std::error::Error for UrlError {}

/// A parsed URL that matching can read without further allocation.
#[derive(Clone, Debug)]
pub struct ParsedUrl<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, Debug)]
enum Repr<'a> {
    /// The common case, recognised by [`fast_host`]: the host is a slice of the input, and the path is read
    /// only if a decision needs it (most do not: only path patterns look at it).
    Fast { input: &'a str, host: &'a str, rest: usize },
    /// Everything else, through the full WHATWG parser.
    Full(url::Url),
}

impl ParsedUrl<'_> {
    /// ASCII, lowercase, punycode, no trailing dot.
    #[inline]
    pub fn host(&self) -> &str {
        let h = match &self.repr {
            Repr::Fast { host, .. } => host,
            Repr::Full(url) => url.host_str().unwrap_or(""),
        };
        h.strip_suffix('.').unwrap_or(h)
    }

    /// The normalised path; borrowed unless it has percent-escapes to normalise.
    pub fn path(&self) -> Cow<'_, str> {
        match &self.repr {
            Repr::Fast { input, rest, .. } => match input.get(*rest..).and_then(fast_path) {
                Some(path) => decode_unreserved(path),
                // A path the fast scan does not vouch for (dot segments, characters the standard
                // re-encodes) goes through the full parser; the host was already known to be valid, and a
                // path never makes the standard fail.
                None => match url::Url::parse(input) {
                    Ok(url) => Cow::Owned(decode_unreserved(url.path()).into_owned()),
                    Err(_) => Cow::Borrowed("/"),
                },
            },
            Repr::Full(url) => decode_unreserved(url.path()),
        }
    }
}

/// Recognises URLs whose WHATWG host is the text as written, and returns the host and the offset where the
/// path starts, without running the full parser (which allocates and is most of the cost of a decision).
///
/// The accepted form is deliberately narrow: `http://` or `https://` in lowercase, then an authority of
/// lowercase letters, digits, `-`, `_` and `.` only (no user info, no port, no percent-escape, no uppercase, no
/// punycode label, no empty label, and a last label that is not a number, so never an IPv4 address), ended by
/// `/`, `?`, `#` or the end. Every other input, including any backslash, goes to the full parser. Property
/// tests check that both parsers agree on every input this function accepts, host and path alike.
pub fn fast_host(input: &str) -> Option<(&str, usize)> {
    // One pass over the bytes: this runs for every URL, and the full parser is what it exists to avoid.
    let b = input.as_bytes();
    let start = if b.starts_with(b"https://") {
        8
    } else if b.starts_with(b"http://") {
        7
    } else {
        return None;
    };
    let mut label_start = start;
    // Where the label before the current one starts: the last label is that one when the host ends in a dot.
    let mut prev_label_start = start;
    let mut host_end = b.len();
    for (i, &c) in b.iter().enumerate().skip(start) {
        // A table lookup per byte rather than a `match` over byte ranges, which compiles to several
        // comparisons (natively 110 -> 106 ns per decision on the sitelist URLs).
        match HOST_CLASS.get(usize::from(c)).copied().unwrap_or(HOST_OTHER) {
            HOST_PLAIN => {}
            HOST_DOT => {
                // Empty labels (a leading dot, `..`) and `xn--` labels (validated by IDNA) take the full parser.
                if i == label_start || b.get(label_start..i).is_some_and(|l| l.starts_with(b"xn--")) {
                    return None;
                }
                prev_label_start = label_start;
                label_start = i + 1;
            }
            HOST_END => {
                host_end = i;
                break;
            }
            _ => return None,
        }
    }
    // The last label (the one before a trailing dot, if there is one) decides whether the standard reads the
    // host as an IPv4 address: all digits, or a `0x` number. Those, and `xn--` labels, take the full parser.
    let host = input.get(start..host_end)?;
    let last = if label_start == host_end {
        b.get(prev_label_start..host_end.saturating_sub(1))?
    } else {
        b.get(label_start..host_end)?
    };
    if last.is_empty() || last.iter().all(u8::is_ascii_digit) || last.starts_with(b"0x") || last.starts_with(b"xn--") {
        return None;
    }
    Some((host, host_end))
}

/// The fast path's reading of what follows the host: `Some(path)` when the standard would copy the path
/// unchanged (a non-empty path of plain characters without dot segments, up to `?` or `#`). Nothing in the
/// query or the fragment can change the host or the path, so they are not even read.
pub fn fast_path(rest: &str) -> Option<&str> {
    let b = rest.as_bytes();
    let mut end = b.len();
    let mut prev = 0u8;
    for (i, &c) in b.iter().enumerate() {
        match class_of(c) {
            PATH_PLAIN => {}
            PATH_END => {
                end = i;
                break;
            }
            PATH_DOT if prev == b'/' => return None,
            PATH_DOT => {}
            PATH_PERCENT if b.get(i + 1) == Some(&b'2') && matches!(b.get(i + 2), Some(b'e' | b'E')) => return None,
            PATH_PERCENT => {}
            _ => return None,
        }
        prev = c;
    }
    if end == 0 || b.first() != Some(&b'/') {
        // `http://a.com` and `http://a.com?q` have the path `/`, which the input does not contain.
        return None;
    }
    rest.get(..end)
}

/// The class of a byte in [`PATH_CLASS`].
#[inline]
fn class_of(c: u8) -> u8 {
    PATH_CLASS.get(usize::from(c)).copied().unwrap_or(PATH_OTHER)
}

/// [`fast_host`] and [`fast_path`] together: the host and path of a URL both parts of which take the fast path.
pub fn fast_parse(input: &str) -> Option<(&str, &str)> {
    let (host, rest) = fast_host(input)?;
    Some((host, fast_path(input.get(rest..)?)?))
}

/// A byte class table: every byte 0 (other) except the bytes of each `(bytes, class)` pair, later pairs
/// overriding earlier ones. The fast path's scans read one entry per byte rather than test byte ranges.
// Indexing in a constant initialiser cannot panic at run time: out of bounds, it fails the build.
#[allow(clippy::indexing_slicing)]
const fn class_table(classes: &[(&[u8], u8)]) -> [u8; 256] {
    let mut t = [0; 256];
    let mut i = 0;
    while i < classes.len() {
        let (bytes, class) = classes[i];
        let mut k = 0;
        while k < bytes.len() {
            t[bytes[k] as usize] = class;
            k += 1;
        }
        i += 1;
    }
    t
}

const PATH_OTHER: u8 = 0;
const PATH_PLAIN: u8 = 1;
const PATH_END: u8 = 2;
const PATH_DOT: u8 = 3;
const PATH_PERCENT: u8 = 4;

/// What each byte means to the fast path's path scan: characters the standard copies unchanged into a path,
/// the end of the path (`?`, `#`), the two that need a second look (`.` for dot segments, `%` for `%2e`), and
/// everything else, which sends the URL to the full parser.
static PATH_CLASS: [u8; 256] = class_table(&[
    (b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~!$&'()*+,;=:@/", PATH_PLAIN),
    (b"?#", PATH_END),
    (b".", PATH_DOT),
    (b"%", PATH_PERCENT),
]);

/// Byte classes of the fast path's host scan ([`fast_host`]).
const HOST_OTHER: u8 = 0;
const HOST_PLAIN: u8 = 1;
const HOST_DOT: u8 = 2;
const HOST_END: u8 = 3;

/// The class of every byte in a host the fast path takes: lowercase letters, digits, `-` and `_` are plain;
/// `/`, `?` and `#` end the host; everything else (uppercase, `%`, `@`, `:`, `\`, non-ASCII) is for the full
/// parser.
static HOST_CLASS: [u8; 256] =
    class_table(&[(b"abcdefghijklmnopqrstuvwxyz0123456789-_", HOST_PLAIN), (b".", HOST_DOT), (b"/?#", HOST_END)]);

/// Parses a URL for matching, refusing everything that is not an http(s) URL with a domain host.
pub fn parse(input: &str) -> Result<ParsedUrl<'_>, UrlError> {
    if input.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong(input.len()));
    }
    if let Some((host, rest)) = fast_host(input) {
        return Ok(ParsedUrl { repr: Repr::Fast { input, host, rest } });
    }
    let url = url::Url::parse(input).map_err(|e| UrlError::Unparsable(e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(UrlError::Scheme(other.to_string())),
    }
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.strip_suffix('.').unwrap_or(d);
            if d.is_empty() {
                return Err(UrlError::NoHost);
            }
            if d.split('.').any(str::is_empty) {
                return Err(UrlError::EmptyLabel(d.to_string()));
            }
            if d.split('.').any(decodes_to_ace_label) {
                return Err(UrlError::InvalidHost(d.to_string()));
            }
        }
        Some(url::Host::Ipv4(ip)) => return Err(UrlError::IpAddress(ip.to_string())),
        Some(url::Host::Ipv6(ip)) => return Err(UrlError::IpAddress(format!("[{ip}]"))),
        None => return Err(UrlError::NoHost),
    }
    Ok(ParsedUrl { repr: Repr::Full(url) })
}

/// Whether `label` is an `xn--` label whose Punycode decodes to a label that itself starts with `xn--`. UTS 46
/// refuses such a label (validity criterion V4), and so does the `url` crate when the host is written in
/// Unicode, but not when it arrives already encoded; the fast path never sees `xn--` labels.
fn decodes_to_ace_label(label: &str) -> bool {
    let Some(encoded) = label.get(..4).filter(|p| p.eq_ignore_ascii_case("xn--")).and_then(|_| label.get(4..)) else {
        return false;
    };
    idna::punycode::decode_to_string(encoded)
        .is_some_and(|d| d.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")))
}

/// The full parser alone, for tests that compare it with the fast path.
pub fn parse_full(input: &str) -> Result<NormalizedUrl, UrlError> {
    let url = url::Url::parse(input).map_err(|e| UrlError::Unparsable(e.to_string()))?;
    let parsed = ParsedUrl { repr: Repr::Full(url) };
    Ok(NormalizedUrl { host: parsed.host().to_string(), path: parsed.path().into_owned() })
}

/// Parses and normalises a URL for matching.
pub fn normalize(input: &str) -> Result<NormalizedUrl, UrlError> {
    let u = parse(input)?;
    Ok(NormalizedUrl { host: u.host().to_string(), path: u.path().into_owned() })
}

/// Normalises the path of a path pattern exactly as a URL's path is normalised.
pub fn normalize_path(path: &str) -> Option<String> {
    let url = url::Url::parse(&format!("http://example.invalid{path}")).ok()?;
    if url.query().is_some() || url.fragment().is_some() {
        return None;
    }
    Some(decode_unreserved(url.path()).into_owned())
}

/// Decodes `%XX` escapes of unreserved characters and upper-cases the hex digits of the others.
///
/// It also percent-encodes `^`, which the URL standard added to the path percent-encode set in 2025
/// (whatwg/url#846) and the `url` crate does not encode yet: otherwise `/a^b` and `/a%5Eb`, one path by the
/// standard, would be two here, and a `never` path pattern written one way could be dodged the other.
fn decode_unreserved(path: &str) -> Cow<'_, str> {
    let bytes = path.as_bytes();
    if !bytes.iter().any(|b| matches!(b, b'%' | b'^')) {
        return Cow::Borrowed(path);
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        if let (b'%', Some(&h), Some(&l)) = (c, bytes.get(i + 1), bytes.get(i + 2)) {
            if let (Some(hv), Some(lv)) = (hex(h), hex(l)) {
                let v = (hv * 16 + lv) as u8;
                if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~') {
                    out.push(v as char);
                } else {
                    out.push('%');
                    out.push(h.to_ascii_uppercase() as char);
                    out.push(l.to_ascii_uppercase() as char);
                }
                i += 3;
                continue;
            }
        }
        // The url crate percent-encodes everything outside ASCII, so each byte here is one ASCII character.
        if c == b'^' {
            out.push_str("%5E");
        } else {
            out.push(c as char);
        }
        i += 1;
    }
    Cow::Owned(out)
}

/// Whether `path` lies under the path prefix `prefix`, on segment boundaries: `/ip/` covers `/ip/123`;
/// `/ip` covers `/ip` and `/ip/123` but not `/ipad`.
pub fn path_has_prefix(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix)
        && (prefix.ends_with('/') || path.len() == prefix.len() || path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised() {
        let u = normalize("HTTPS://user:pw@WWW.Bücher.DE.:8080/a/../b/%2e%2e/c?q#f").unwrap();
        assert_eq!(u.host, "www.xn--bcher-kva.de");
        assert_eq!(u.path, "/c");
    }

    #[test]
    fn unreserved_escapes_are_decoded() {
        assert_eq!(normalize("http://a.com/%69p/%2f%7e").unwrap().path, "/ip/%2F~");
    }

    #[test]
    fn non_http_and_ip_hosts_are_refused() {
        assert!(matches!(normalize("ftp://a.com/"), Err(UrlError::Scheme(_))));
        assert!(matches!(normalize("http://0x7f.1/"), Err(UrlError::IpAddress(_))));
        assert!(matches!(normalize("http://[::1]/"), Err(UrlError::IpAddress(_))));
        assert!(matches!(normalize("not a url"), Err(UrlError::Unparsable(_))));
    }

    #[test]
    fn a_caret_in_a_path_is_encoded_as_the_standard_now_does() {
        assert_eq!(normalize("http://a.com/x^y").unwrap().path, "/x%5Ey");
        assert_eq!(normalize("http://a.com/x%5ey").unwrap().path, "/x%5Ey");
        assert_eq!(normalize_path("/caret^x/").as_deref(), Some("/caret%5Ex/"));
    }

    #[test]
    fn path_prefixes_respect_segments() {
        assert!(path_has_prefix("/ip/123", "/ip/"));
        assert!(path_has_prefix("/ip", "/ip"));
        assert!(path_has_prefix("/ip/1", "/ip"));
        assert!(!path_has_prefix("/ipad", "/ip"));
        assert!(!path_has_prefix("/ip", "/ip/"));
    }
}
