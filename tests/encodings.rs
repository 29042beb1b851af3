//! The first N characters as a browser shows them: a corpus of one page in
//! fourteen encodings, each declared by a BOM, the header, `<meta charset>`,
//! `http-equiv`, or nowhere, with conflicts, late metas and odd labels. The pages
//! are made here, with encoding_rs's encoders, and served by the test's own server.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};
use support::gather;
use support::routes::{self, Reply};

/// A text in each language, long enough for a guess to have something to go on.
const FRENCH: &str = "Le cœur de l’été — « Où est le café ? » demanda-t-il… Ça coûte 5 €, \
    naïve façade, déjà vu. L’œuvre “complète” de Molière – très chère.";
const CZECH: &str = "Příliš žluťoučký kůň úpěl ďábelské ódy. Zažółć gęślą jaźń. \
    Vysoké Tatry, Šumava a Krkonoše jsou krásné hory.";
const RUSSIAN: &str = "Съешь же ещё этих мягких французских булок, да выпей чаю. \
    Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.";
const JAPANESE: &str = "いろはにほへと ちりぬるを わかよたれそ つねならむ。日本語のページです。\
    今日は良い天気ですね。東京都の人口は約千四百万人です。桜の花が咲いています。";
const KOREAN: &str = "다람쥐 헌 쳇바퀴에 타고파. 한국어 웹 페이지입니다. 오늘은 날씨가 좋습니다. \
    서울은 대한민국의 수도입니다.";
const SIMPLIFIED: &str =
    "我能吞下玻璃而不伤身体。这是一个中文网页。今天天气很好，我们去公园散步吧。\
    北京是中国的首都。";
const TRADITIONAL: &str =
    "我能吞下玻璃而不傷身體。這是一個中文網頁。今天天氣很好，我們去公園散步吧。\
    臺北是一個美麗的城市。";

/// One page of the corpus and what a browser makes of it.
struct Page {
    name: String,
    content_type: String,
    body: Vec<u8>,
    text: String,
    title: String,
    charset: &'static str,
    source: &'static str,
}

fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    if encoding == UTF_16LE {
        return text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    }
    if encoding == UTF_16BE {
        return text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    }
    let (bytes, used, unmappable) = encoding.encode(text);
    assert_eq!(used, encoding, "encoding_rs encodes {}", encoding.name());
    assert!(!unmappable, "{} cannot hold the text", encoding.name());
    bytes.into_owned()
}

fn html(head: &str, title: &str, text: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head>{head}<title>{title}</title></head>\n<body><p>{text}</p></body></html>\n"
    )
}

/// The corpus: (label to declare, encoding, text) × the ways of declaring it.
fn corpus() -> Vec<Page> {
    let languages: [(&str, &str); 14] = [
        ("windows-1252", FRENCH),
        ("iso-8859-2", CZECH),
        ("koi8-r", RUSSIAN),
        ("windows-1251", RUSSIAN),
        ("shift_jis", JAPANESE),
        ("euc-jp", JAPANESE),
        ("iso-2022-jp", JAPANESE),
        ("euc-kr", KOREAN),
        ("gbk", SIMPLIFIED),
        ("gb18030", SIMPLIFIED),
        ("big5", TRADITIONAL),
        ("utf-16le", FRENCH),
        ("utf-16be", RUSSIAN),
        ("utf-8", JAPANESE),
    ];
    let mut pages = Vec::new();
    for (label, text) in languages {
        let encoding = Encoding::for_label(label.as_bytes()).unwrap();
        let title = text.split(['。', '.']).next().unwrap().to_string();
        let utf16 = encoding == UTF_16LE || encoding == UTF_16BE;
        let mut add = |way: &str, content_type: &str, head: &str, bom: &[u8], source| {
            let page = html(head, &title, text);
            let mut body = bom.to_vec();
            body.extend(encode(encoding, &page));
            pages.push(Page {
                name: format!("{label} by {way}"),
                content_type: content_type.to_string(),
                body,
                text: page,
                title: title.clone(),
                charset: encoding.name(),
                source,
            });
        };
        add(
            "header",
            &format!("text/html; charset={label}"),
            "",
            b"",
            "header",
        );
        if utf16 {
            // UTF-16 is told by its BOM (a meta that says UTF-16 means UTF-8).
            let bom: &[u8] = if encoding == UTF_16LE {
                b"\xFF\xFE"
            } else {
                b"\xFE\xFF"
            };
            add("BOM", "text/html", "", bom, "bom");
            continue;
        }
        add(
            "quoted header",
            &format!("text/html;charset=\"{label}\""),
            "",
            b"",
            "header",
        );
        add(
            "meta charset",
            "text/html",
            &format!("<meta charset=\"{label}\">"),
            b"",
            "meta",
        );
        add(
            "http-equiv",
            "text/html",
            &format!("<META HTTP-EQUIV=Content-Type CONTENT='text/html; charset={label}'>"),
            b"",
            "meta",
        );
        add(
            "meta after an unknown header label",
            "text/html; charset=foo",
            &format!("<meta charset={label}>"),
            b"",
            "meta",
        );
        add("nowhere", "text/html", "", b"", "detected");
        if encoding.name() == "UTF-8" {
            add(
                "BOM",
                "text/html; charset=iso-8859-1",
                "<meta charset=shift_jis>",
                b"\xEF\xBB\xBF",
                "bom",
            );
        }
    }
    // Guessed, KOI8-R text is named KOI8-U and gb18030 text GBK, as in Firefox:
    // the supersets decode these texts to the same characters.
    for page in pages.iter_mut().filter(|page| page.source == "detected") {
        page.charset = match page.charset {
            "KOI8-R" => "KOI8-U",
            "gb18030" => "GBK",
            other => other,
        };
    }
    // Labels as they turn up in the wild.
    let odd: [(&str, &str, &str); 4] = [
        ("text/html; charset=latin1", "windows-1252", FRENCH),
        ("text/html; charset=x-sjis", "Shift_JIS", JAPANESE),
        ("text/html; charset=\"shift\\_jis\"", "Shift_JIS", JAPANESE),
        (
            "text/html; foo=\"a;charset=koi8-r\"; charset=windows-1251",
            "windows-1251",
            RUSSIAN,
        ),
    ];
    for (content_type, charset, text) in odd {
        let encoding = Encoding::for_label(charset.as_bytes()).unwrap();
        let page = html("", "odd", text);
        pages.push(Page {
            name: format!("label in {content_type:?}"),
            content_type: content_type.to_string(),
            body: encode(encoding, &page),
            text: page,
            title: "odd".to_string(),
            charset,
            source: "header",
        });
    }
    // A meta past the first 1,024 bytes is not read: the guess decides.
    let padding = format!("<!-- {} -->", "x".repeat(1100));
    let page = html(&format!("{padding}<meta charset=koi8-r>"), "late", RUSSIAN);
    pages.push(Page {
        name: "a meta past byte 1,024".to_string(),
        content_type: "text/html".to_string(),
        body: encode(Encoding::for_label(b"windows-1251").unwrap(), &page),
        text: page,
        title: "late".to_string(),
        charset: "windows-1251",
        source: "detected",
    });
    pages
}

#[test]
fn every_page_decodes_as_a_browser_would_and_says_how() {
    let pages = Arc::new(corpus());
    let served = Arc::clone(&pages);
    let by_path: HashMap<String, usize> = (0..pages.len())
        .map(|i| (format!("/page/{i}"), i))
        .collect();
    let s = routes::http(move |seen| {
        let page = &served[by_path[seen.target.as_str()]];
        Reply::status(200)
            .header("content-type", &page.content_type)
            .body(&page.body)
    });
    let urls: Vec<String> = (0..pages.len())
        .map(|i| s.url(&format!("/page/{i}")))
        .collect();
    let run = gather().args(["-k", "-n", "100000"]).args(&urls).jsonl();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let records = run.records();
    let mut wrong = Vec::new();
    for (page, record) in pages.iter().zip(&records) {
        let got = (
            record["text"].as_str().unwrap_or_default(),
            record["title"].as_str().unwrap_or_default(),
            record["charset"].as_str().unwrap_or_default(),
            record["charset_source"].as_str().unwrap_or_default(),
        );
        let expected = (
            page.text.as_str(),
            page.title.as_str(),
            page.charset,
            page.source,
        );
        if got != expected {
            wrong.push(format!(
                "{}: got {got:?}\n    expected {expected:?}",
                page.name
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} pages wrong:\n{}",
        wrong.len(),
        pages.len(),
        wrong.join("\n")
    );
}

#[test]
fn titles_can_be_turned_off_and_a_cut_character_is_not_a_stray_replacement() {
    let s = routes::http(|seen| match seen.target.as_str() {
        "/title" => Reply::status(200)
            .header("content-type", "text/html; charset=utf-8")
            .body(b"<title>Welcome</title><p>hi</p>"),
        _ => Reply::status(200)
            .header("content-type", "text/plain; charset=utf-8")
            .body("abc日本".as_bytes()),
    });
    let run = gather().args(["-n", "5", &s.url("/title")]).jsonl();
    assert_eq!(run.records()[0]["title"], "Welcome");
    let run = gather()
        .args(["-n", "5", "--no-title", &s.url("/title")])
        .jsonl();
    assert_eq!(run.records()[0]["title"], serde_json::Value::Null);
    // --max-bytes 5 stops inside 日 (3 bytes from byte 4).
    let run = gather().args(["--max-bytes", "5", &s.url("/cut")]).jsonl();
    assert_eq!(run.records()[0]["text"], "abc");
}
