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
pub enum UrlError {
    /// Not a URL at all, by the WHATWG parser.
    Unparsable(String),
    /// A scheme other than http and https.
    Scheme(String),
    /// An IPv4 or IPv6 address: domain patterns never match those.
    IpAddress(String),
    /// No host, or an empty one.
    NoHost,
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
            UrlError::TooLong(n) => write!(f, "the URL is {n} bytes long, over the limit of {MAX_URL_LEN}"),
        }
    }
}

impl std::error::Error for UrlError {}

/// A parsed URL that matching can read without further allocation.
#[derive(Clone, Debug)]
pub struct ParsedUrl {
    url: url::Url,
}

impl ParsedUrl {
    /// ASCII, lowercase, punycode, no trailing dot.
    pub fn host(&self) -> &str {
        let h = self.url.host_str().unwrap_or("");
        h.strip_suffix('.').unwrap_or(h)
    }

    /// The normalised path; borrowed unless it has percent-escapes to normalise.
    pub fn path(&self) -> Cow<'_, str> {
        decode_unreserved(self.url.path())
    }
}

/// Parses a URL for matching, refusing everything that is not an http(s) URL with a domain host.
pub fn parse(input: &str) -> Result<ParsedUrl, UrlError> {
    if input.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong(input.len()));
    }
    let url = url::Url::parse(input).map_err(|e| UrlError::Unparsable(e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(UrlError::Scheme(other.to_string())),
    }
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.strip_suffix('.').unwrap_or(d);
            if d.is_empty() || d.starts_with('.') || d.ends_with('.') || d.contains("..") {
                return Err(UrlError::NoHost);
            }
        }
        Some(url::Host::Ipv4(ip)) => return Err(UrlError::IpAddress(ip.to_string())),
        Some(url::Host::Ipv6(ip)) => return Err(UrlError::IpAddress(format!("[{ip}]"))),
        None => return Err(UrlError::NoHost),
    }
    Ok(ParsedUrl { url })
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
fn decode_unreserved(path: &str) -> Cow<'_, str> {
    let bytes = path.as_bytes();
    if !bytes.contains(&b'%') {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                let v = (h * 16 + l) as u8;
                if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~') {
                    out.push(v as char);
                } else {
                    out.push('%');
                    out.push(bytes[i + 1].to_ascii_uppercase() as char);
                    out.push(bytes[i + 2].to_ascii_uppercase() as char);
                }
                i += 3;
                continue;
            }
        }
        // The url crate percent-encodes everything outside ASCII, so each byte here is one ASCII character.
        out.push(bytes[i] as char);
        i += 1;
    }
    Cow::Owned(out)
}

/// Whether `path` lies under the path prefix `prefix`, on segment boundaries: `/ip/` covers `/ip/123`;
/// `/ip` covers `/ip` and `/ip/123` but not `/ipad`.
pub fn path_has_prefix(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix)
        && (prefix.ends_with('/') || path.len() == prefix.len() || path.as_bytes()[prefix.len()] == b'/')
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
    fn path_prefixes_respect_segments() {
        assert!(path_has_prefix("/ip/123", "/ip/"));
        assert!(path_has_prefix("/ip", "/ip"));
        assert!(path_has_prefix("/ip/1", "/ip"));
        assert!(!path_has_prefix("/ipad", "/ip"));
        assert!(!path_has_prefix("/ip", "/ip/"));
    }
}
