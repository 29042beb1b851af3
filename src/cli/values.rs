//! The value types and parsers behind the flags: what a flag's text must look
//! like, and the message when it does not.

use std::str::FromStr;

use clap::ValueEnum;
use http::header::{HeaderName, HeaderValue};
use url::Url;

use crate::checks;

/// When `--color` colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal, unless NO_COLOR is set (or always with CLICOLOR_FORCE).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// A count of 0 or more, with a message that says so for `-n -5`.
pub(super) fn count(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .map_err(|_| format!("{text:?} is not a count: it must be a whole number, 0 or more"))
}

/// A site for `--base`: an http or https URL with a host.
pub(super) fn base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|err| format!("not a URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("give an http:// or https:// URL with a host".to_string());
    }
    Ok(url)
}

/// A time as seconds: a number (`30`, `1.5`) or a number with a unit (`500ms`,
/// `2s`, `1m`, `1h`). Whether it is in range is config's to say.
pub(super) fn seconds(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let units = [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)];
    let (number, scale) = units
        .iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|number| (number, *scale)))
        .unwrap_or((text, 1.0));
    number
        .trim()
        .parse::<f64>()
        .map(|value| value * scale)
        .map_err(|_| format!("{text:?} is not a time; write seconds (30, 1.5) or 500ms, 2s, 1m"))
}

/// One `--resolve HOST:PORT:ADDR[,ADDR…]` argument, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveArg {
    /// The host name the URL uses.
    pub host: String,
    /// The addresses to connect to instead of resolving it, with the port.
    pub addrs: Vec<std::net::SocketAddr>,
}

impl FromStr for ResolveArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || {
            format!(
                "{text:?} is not HOST:PORT:ADDR; write e.g. example.com:443:203.0.113.7 \
                 or example.com:443:[2001:db8::7]"
            )
        };
        let (host, rest) = text.split_once(':').ok_or_else(usage)?;
        let (port, addrs) = rest.split_once(':').ok_or_else(usage)?;
        let port: u16 = port.parse().map_err(|_| usage())?;
        if host.is_empty() || port == 0 {
            return Err(usage());
        }
        let addrs = addrs
            .split(',')
            .map(|addr| {
                let bare = addr.trim().trim_start_matches('[').trim_end_matches(']');
                bare.parse::<std::net::IpAddr>()
                    .map(|ip| std::net::SocketAddr::new(ip, port))
                    .map_err(|_| format!("{addr:?} in {text:?} is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ResolveArg {
            host: host.to_ascii_lowercase(),
            addrs,
        })
    }
}

/// One `-H 'Name: value'` argument, checked. As in curl, `Name:` with nothing
/// after it removes the header and `Name;` sends it empty.
#[derive(Debug, Clone)]
pub struct HeaderArg {
    /// The header name.
    pub name: HeaderName,
    /// The header value; `None` removes the header.
    pub value: Option<HeaderValue>,
}

impl FromStr for HeaderArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(name) = text.strip_suffix(';').filter(|name| !name.contains(':')) {
            let name = checks::header_name(name)?;
            return Ok(HeaderArg {
                name,
                value: Some(HeaderValue::from_static("")),
            });
        }
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not a header; write it as 'Name: value'"))?;
        let name = checks::header_name(name)?;
        if value.trim().is_empty() {
            return Ok(HeaderArg { name, value: None });
        }
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| format!("the value of {name} has characters a header cannot carry"))?;
        Ok(HeaderArg {
            name,
            value: Some(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_take_units_and_counts_say_what_they_must_be() {
        assert_eq!(seconds("30"), Ok(30.0));
        assert_eq!(seconds("500ms"), Ok(0.5));
        assert_eq!(seconds("1.5s"), Ok(1.5));
        assert_eq!(seconds("2m"), Ok(120.0));
        assert!(seconds("soon").is_err());
        assert!(count("-5").unwrap_err().contains("0 or more"));
        assert_eq!(count("12"), Ok(12));
    }

    #[test]
    fn resolve_takes_curls_syntax() {
        let arg: ResolveArg = "Example.com:8443:203.0.113.7,[2001:db8::7]"
            .parse()
            .unwrap();
        assert_eq!(arg.host, "example.com");
        let addrs: Vec<String> = arg.addrs.iter().map(ToString::to_string).collect();
        assert_eq!(addrs, ["203.0.113.7:8443", "[2001:db8::7]:8443"]);
        for bad in [
            "example.com",
            "example.com:443",
            "example.com:x:1.2.3.4",
            "example.com:443:host",
            ":443:1.2.3.4",
        ] {
            assert!(bad.parse::<ResolveArg>().is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_parse_and_bad_ones_are_refused() {
        let header: HeaderArg = "X-Token:  abc def ".parse().unwrap();
        assert_eq!(
            (
                header.name.as_str(),
                header.value.unwrap().to_str().unwrap()
            ),
            ("x-token", "abc def")
        );
        let removed: HeaderArg = "User-Agent:".parse().unwrap();
        assert_eq!((removed.name.as_str(), removed.value), ("user-agent", None));
        let empty: HeaderArg = "X-Empty;".parse().unwrap();
        assert_eq!(empty.value.unwrap(), "");
        assert!("no colon".parse::<HeaderArg>().is_err());
        assert!("bad name: x".parse::<HeaderArg>().is_err());
        assert!("X-A: line\nbreak".parse::<HeaderArg>().is_err());
    }
}
