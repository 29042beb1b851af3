//! `--sitemap`: each sitemap is read (a file, or fetched with the run's client)
//! before the run starts, a sitemap index one level down, so that its pages are
//! checked with the rest of the input before anything else is fetched.

use std::sync::Arc;

use url::Url;

use crate::error::UsageError;
use crate::fetch::Fetcher;
use crate::targets::sitemap::{self, Sitemap, MAX_SITEMAP_BYTES};
use crate::targets::SitemapPages;

/// The pages every sitemap in `sources` lists, in order.
pub async fn read_all(
    sources: &[String],
    fetcher: &Fetcher,
) -> Result<Vec<SitemapPages>, UsageError> {
    let mut pages = Vec::new();
    for source in sources {
        match read(source, fetcher).await? {
            Sitemap::Pages(locs) => pages.push(SitemapPages {
                name: source.as_str().into(),
                locs,
            }),
            Sitemap::Index(children) => {
                for (child, line) in children {
                    let unusable = |why: String| {
                        UsageError::Invalid(format!(
                            "--sitemap {source}:{line}: the sitemap {child}: {why}"
                        ))
                    };
                    if !is_url(&child) {
                        return Err(unusable("a sitemap index must give URLs".to_string()));
                    }
                    match read(&child, fetcher).await? {
                        Sitemap::Pages(locs) => pages.push(SitemapPages {
                            name: Arc::from(child.as_str()),
                            locs,
                        }),
                        Sitemap::Index(_) => {
                            return Err(unusable(
                                "it is an index too; gather follows one level of sitemap index"
                                    .to_string(),
                            ))
                        }
                    }
                }
            }
        }
    }
    Ok(pages)
}

/// One sitemap, from a file or a URL.
async fn read(source: &str, fetcher: &Fetcher) -> Result<Sitemap, UsageError> {
    let unreadable = |why: String| UsageError::Invalid(format!("--sitemap {source}: {why}"));
    let bytes = if is_url(source) {
        let url = Url::parse(source).map_err(|err| unreadable(format!("not a URL: {err}")))?;
        fetcher
            .document(&url, MAX_SITEMAP_BYTES)
            .await
            .map_err(|why| unreadable(format!("could not fetch it: {why}")))?
    } else {
        std::fs::read(source).map_err(|err| {
            unreadable(format!(
                "could not read it: {}; give a file or an http(s) URL",
                err.kind()
            ))
        })?
    };
    sitemap::parse(&bytes).map_err(unreadable)
}

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}
