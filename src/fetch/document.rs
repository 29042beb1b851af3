//! A whole document the run needs before it starts (a sitemap), read with the
//! run's client and headers, its redirects followed, its coding undone.

use url::Url;

use super::body::Body;
use super::{redirect, Fetcher};
use crate::record::Secs;

/// Redirects followed for a document at most.
const DOCUMENT_MAX_REDIRECTS: usize = 10;

impl Fetcher {
    /// The body of `url`, at most `max_bytes` of it; any failure (a status
    /// outside 2xx included) said for a person.
    pub async fn document(&self, url: &Url, max_bytes: u64) -> Result<Vec<u8>, String> {
        // -t covers the whole document, body included, as it covers a page.
        let limit = self.rules.timeout;
        tokio::time::timeout(limit, self.read_document(url, max_bytes))
            .await
            .map_err(|_| format!("timed out after {} (raise with --timeout)", Secs(limit)))?
    }

    async fn read_document(&self, url: &Url, max_bytes: u64) -> Result<Vec<u8>, String> {
        let mut url = url.clone();
        for _ in 0..=DOCUMENT_MAX_REDIRECTS {
            let client = self
                .client_for(&url)
                .map_err(|failure| failure.to_string())?;
            let request = client.get(url.clone()).headers(self.headers.clone());
            let response = request
                .send()
                .await
                .map_err(|err| self.request_failure(&err, &url).to_string())?;
            let status = response.status();
            let location = redirect::location(response.headers(), &url);
            if let Some(next) = redirect::next_hop(status, location) {
                url = next.map_err(|failure| failure.to_string())?;
                continue;
            }
            if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            let mut body = Body::of(response, 0).map_err(|failure| failure.to_string())?;
            let mut bytes = Vec::new();
            while let Some(piece) = body
                .next(usize::MAX)
                .await
                .map_err(|(failure, _)| failure.to_string())?
            {
                bytes.extend_from_slice(&piece);
                if bytes.len() as u64 > max_bytes {
                    return Err(format!("it is larger than {} MiB", max_bytes >> 20));
                }
            }
            return Ok(bytes);
        }
        Err(format!("more than {DOCUMENT_MAX_REDIRECTS} redirects"))
    }
}
