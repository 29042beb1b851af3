//! Proxies from the environment, as curl reads them: checked before anything is
//! sent, handed to reqwest, and named when connecting to one fails.

use std::net::IpAddr;

use reqwest::{NoProxy, Proxy};
use url::{Host, Url};

use crate::targets::redact;

/// The proxy schemes gather can use.
const SCHEMES: [&str; 6] = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"];

/// The proxy variables as found: `(name, value)`, set and not empty.
pub type ProxyVars = [(&'static str, String)];

fn first<'a>(vars: &'a ProxyVars, names: [&str; 2]) -> Option<(&'static str, &'a str)> {
    names.iter().find_map(|wanted| {
        vars.iter()
            .find(|(name, _)| name == wanted)
            .map(|(name, value)| (*name, value.as_str()))
    })
}

/// One proxy from the environment, checked.
#[derive(Debug, Clone)]
struct ProxyVar {
    /// The variable it came from, for messages.
    name: &'static str,
    url: Url,
}

/// The checked proxy settings: which proxy serves http and https URLs, and the
/// hosts that bypass them.
#[derive(Debug, Clone, Default)]
pub struct ProxySettings {
    http: Option<ProxyVar>,
    https: Option<ProxyVar>,
    all: Option<ProxyVar>,
    no_proxy: Option<String>,
}

impl ProxySettings {
    /// Checks the variables; a proxy gather cannot use is an error naming the variable.
    pub fn from_vars(vars: &ProxyVars) -> Result<ProxySettings, String> {
        let checked = |names: [&str; 2]| -> Result<Option<ProxyVar>, String> {
            first(vars, names)
                .map(|(name, value)| parse_proxy(value).map(|url| ProxyVar { name, url }))
                .transpose()
                .map_err(|reason| {
                    let (name, value) = first(vars, names).unwrap_or_default();
                    format!("{name}={value:?} cannot be used: {reason}")
                })
        };
        Ok(ProxySettings {
            http: checked(["http_proxy", "HTTP_PROXY"])?,
            https: checked(["https_proxy", "HTTPS_PROXY"])?,
            all: checked(["all_proxy", "ALL_PROXY"])?,
            no_proxy: first(vars, ["no_proxy", "NO_PROXY"]).map(|(_, value)| value.to_string()),
        })
    }

    /// The proxies for reqwest, most specific first (the first that matches wins).
    pub fn reqwest_proxies(&self) -> anyhow::Result<Vec<Proxy>> {
        let mut proxies = Vec::new();
        let no_proxy = || self.no_proxy.as_deref().and_then(NoProxy::from_string);
        if let Some(http) = &self.http {
            proxies.push(Proxy::http(http.url.as_str())?.no_proxy(no_proxy()));
        }
        if let Some(https) = &self.https {
            proxies.push(Proxy::https(https.url.as_str())?.no_proxy(no_proxy()));
        }
        if let Some(all) = &self.all {
            proxies.push(Proxy::all(all.url.as_str())?.no_proxy(no_proxy()));
        }
        Ok(proxies)
    }

    /// True if an http URL may go through an https proxy, so that the client for
    /// plain http needs TLS too.
    pub fn plain_http_uses_tls(&self) -> bool {
        [&self.http, &self.all]
            .into_iter()
            .flatten()
            .any(|proxy| proxy.url.scheme() == "https")
    }

    /// The proxy a request to `url` goes through, as `proxy URL (from VARIABLE)`
    /// with any password masked; `None` for a direct connection.
    pub fn describe_for(&self, url: &Url) -> Option<String> {
        let specific = match url.scheme() {
            "https" => self.https.as_ref(),
            _ => self.http.as_ref(),
        };
        let proxy = specific.or(self.all.as_ref())?;
        if self.bypasses(url) {
            return None;
        }
        Some(format!(
            "proxy {} (from {})",
            redact(&proxy.url),
            proxy.name
        ))
    }

    /// True if `NO_PROXY` names the URL's host: `*`, the host itself, a domain it
    /// is in (with or without a leading dot), or an IP range in CIDR notation.
    fn bypasses(&self, url: &Url) -> bool {
        let Some(list) = &self.no_proxy else {
            return false;
        };
        let host = match url.host() {
            Some(Host::Domain(domain)) => domain.to_ascii_lowercase(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            None => return false,
        };
        list.split(|c: char| c == ',' || c.is_whitespace())
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .any(|entry| {
                if entry == "*" {
                    return true;
                }
                if let Some((network, bits)) = entry.split_once('/') {
                    return in_network(&host, network, bits);
                }
                let entry = entry.trim_start_matches('.').to_ascii_lowercase();
                let entry = entry.trim_start_matches('[').trim_end_matches(']');
                host == entry || host.ends_with(&format!(".{entry}"))
            })
    }
}

/// A proxy URL as curl takes it: a bare `host:port` means http.
fn parse_proxy(value: &str) -> Result<Url, String> {
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let url = Url::parse(&with_scheme).map_err(|err| format!("not a URL ({err})"))?;
    if !SCHEMES.contains(&url.scheme()) {
        return Err(format!(
            "gather can use http://, https://, socks4:// and socks5:// proxies, not {}://",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the proxy URL names no host".to_string());
    }
    Ok(url)
}

fn in_network(host: &str, network: &str, bits: &str) -> bool {
    let (Ok(host), Ok(network), Ok(bits)) = (
        host.parse::<IpAddr>(),
        network.parse::<IpAddr>(),
        bits.parse::<u32>(),
    ) else {
        return false;
    };
    match (host, network) {
        (IpAddr::V4(host), IpAddr::V4(network)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(host) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(host), IpAddr::V6(network)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(host) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        vars.iter().map(|(n, v)| (*n, v.to_string())).collect()
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn unusable_proxies_are_refused_with_their_variable() {
        for (name, value) in [
            ("HTTPS_PROXY", "ftp://proxy.example:21"),
            ("http_proxy", "http://"),
            ("ALL_PROXY", "http://[::1"),
        ] {
            let err = ProxySettings::from_vars(&env(&[(name, value)])).unwrap_err();
            assert!(err.starts_with(&format!("{name}=")), "{err}");
        }
        for value in [
            "proxy.example:3128",
            "socks5h://u:p@127.0.0.1:1080",
            "https://p.example",
        ] {
            assert!(ProxySettings::from_vars(&env(&[("ALL_PROXY", value)])).is_ok());
        }
    }

    #[test]
    fn the_proxy_for_a_url_follows_scheme_fallback_and_no_proxy() {
        let settings = ProxySettings::from_vars(&env(&[
            ("http_proxy", "http://user:secret@p1.example:3128"),
            ("HTTP_PROXY", "http://ignored.example"),
            ("ALL_PROXY", "socks5://p2.example:1080"),
            ("NO_PROXY", "internal.example, .corp.example,10.0.0.0/8 ::1"),
        ]))
        .unwrap();
        assert_eq!(
            settings.describe_for(&url("http://a.example/")).unwrap(),
            "proxy http://user:***@p1.example:3128/ (from http_proxy)"
        );
        assert_eq!(
            settings.describe_for(&url("https://a.example/")).unwrap(),
            "proxy socks5://p2.example:1080 (from ALL_PROXY)"
        );
        for direct in [
            "http://internal.example/",
            "http://www.internal.example/",
            "https://x.corp.example/",
            "http://10.1.2.3/",
            "http://[::1]:8080/",
        ] {
            assert_eq!(settings.describe_for(&url(direct)), None, "{direct}");
        }
        assert!(settings.describe_for(&url("http://11.0.0.1/")).is_some());
        assert!(settings
            .describe_for(&url("http://notinternal.example/"))
            .is_some());
    }
}
