//! Sitemaps (`--sitemap`): the `<loc>` of every `<url>` of a `<urlset>`, each with
//! its line, or the sitemaps a `<sitemapindex>` names. A gzip'd sitemap
//! (`sitemap.xml.gz`) is inflated first.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

/// The most a sitemap may hold once inflated: the protocol's own limit.
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// What a sitemap lists.
#[derive(Debug, PartialEq, Eq)]
pub enum Sitemap {
    /// Pages (`<urlset>`): each `<loc>` with its 1-based line.
    Pages(Vec<(String, usize)>),
    /// Other sitemaps (`<sitemapindex>`): each `<loc>` with its line.
    Index(Vec<(String, usize)>),
}

/// Reads a sitemap, gzip'd or not.
pub fn parse(bytes: &[u8]) -> Result<Sitemap, String> {
    let inflated;
    let xml = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(MAX_SITEMAP_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|err| format!("it is gzip'd but does not inflate: {err}"))?;
        if text.len() as u64 > MAX_SITEMAP_BYTES {
            return Err(format!(
                "it inflates to more than {} MiB, the most a sitemap may hold",
                MAX_SITEMAP_BYTES >> 20
            ));
        }
        inflated = text;
        inflated.as_slice()
    } else {
        bytes
    };
    read_locs(xml)
}

fn read_locs(xml: &[u8]) -> Result<Sitemap, String> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut root: Option<bool> = None;
    let mut locs = Vec::new();
    // The raw text of the <loc> being read, and the line it started on.
    let mut loc: Option<(String, usize)> = None;
    let mut lines = LineCounter::default();
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|err| {
            let line = lines.line_at(xml, reader.error_position());
            format!("it is not well-formed XML (line {line}): {err}")
        })?;
        match event {
            Event::Start(start) => match start.local_name().as_ref() {
                b"urlset" if root.is_none() => root = Some(false),
                b"sitemapindex" if root.is_none() => root = Some(true),
                b"loc" if root.is_some() => loc = Some((String::new(), lines.line_at(xml, at))),
                _ if root.is_none() => {
                    return Err(
                        "it is not a sitemap: its root is neither <urlset> nor <sitemapindex>"
                            .to_string(),
                    )
                }
                _ => {}
            },
            Event::Text(text) => {
                if let Some((raw, _)) = &mut loc {
                    raw.push_str(&text.decode().map_err(|err| err.to_string())?);
                }
            }
            Event::CData(text) => {
                if let Some((raw, _)) = &mut loc {
                    let text = text.decode().map_err(|err| err.to_string())?;
                    raw.push_str(&quick_xml::escape::escape(text.as_ref()));
                }
            }
            Event::GeneralRef(name) => {
                if let Some((raw, _)) = &mut loc {
                    raw.push('&');
                    raw.push_str(&name.decode().map_err(|err| err.to_string())?);
                    raw.push(';');
                }
            }
            Event::End(end) if end.local_name().as_ref() == b"loc" => {
                if let Some((raw, line)) = loc.take() {
                    let text = quick_xml::escape::unescape(&raw)
                        .map_err(|err| format!("line {line}: {err}"))?;
                    locs.push((text.trim().to_string(), line));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    match root {
        Some(true) => Ok(Sitemap::Index(locs)),
        Some(false) => Ok(Sitemap::Pages(locs)),
        None => Err("it is not a sitemap: it has no <urlset> or <sitemapindex>".to_string()),
    }
}

/// Lines of a document, counted as far as asked and no further again.
#[derive(Default)]
struct LineCounter {
    counted: usize,
    line: usize,
}

impl LineCounter {
    /// The 1-based line of byte `at`; `at` never goes back.
    fn line_at(&mut self, xml: &[u8], at: u64) -> usize {
        let at = usize::try_from(at).unwrap_or(usize::MAX).min(xml.len());
        if at > self.counted {
            self.line += xml[self.counted..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.counted = at;
        }
        self.line + 1
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>https://example.com/</loc>
    <lastmod>2026-11-01</lastmod>
  </url>
  <url><loc>
      https://example.com/a?x=1&amp;y=2
  </loc></url>
  <url><loc><![CDATA[https://example.com/b]]></loc></url>
</urlset>
"#;

    #[test]
    fn a_urlset_gives_each_loc_with_its_line() {
        assert_eq!(
            parse(URLSET.as_bytes()),
            Ok(Sitemap::Pages(vec![
                ("https://example.com/".to_string(), 4),
                ("https://example.com/a?x=1&y=2".to_string(), 7),
                ("https://example.com/b".to_string(), 10),
            ]))
        );
    }

    #[test]
    fn a_gzipped_index_names_its_sitemaps() {
        let index = "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
                     <sitemap><loc>https://example.com/s1.xml.gz</loc></sitemap>\n\
                     </sitemapindex>";
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(index.as_bytes()).unwrap();
        let gzipped = gzip.finish().unwrap();
        assert_eq!(
            parse(&gzipped),
            Ok(Sitemap::Index(vec![(
                "https://example.com/s1.xml.gz".to_string(),
                2
            )]))
        );
    }

    #[test]
    fn what_is_not_a_sitemap_says_so() {
        let html = parse(b"<html><body>hi</body></html>").unwrap_err();
        assert!(html.contains("not a sitemap"), "{html}");
        let broken = parse(b"<urlset>\n<url><loc>x</url>").unwrap_err();
        assert!(broken.contains("not well-formed XML (line 2)"), "{broken}");
        assert!(parse(b"").unwrap_err().contains("not a sitemap"));
    }
}
