//! Showing untrusted text on a terminal without letting it drive the terminal.

use std::borrow::Cow;

/// `text` with every control character except newline and tab shown as an escape
/// (`\x1b`, `\u{9b}`), and with bidirectional overrides escaped too, since they
/// can make what is shown differ from what is there.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !needs_escape(c) {
            shown.push(c);
        } else if (c as u32) < 0x80 {
            shown.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            shown.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    Cow::Owned(shown)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences_but_not_layout() {
        assert_eq!(escape_controls("a\tb\nc"), "a\tb\nc");
        assert_eq!(escape_controls("\x1b]0;pwned\x07x"), "\\x1b]0;pwned\\x07x");
        assert_eq!(escape_controls("\r\x7f\u{9b}"), "\\x0d\\x7f\\u{9b}");
        assert_eq!(escape_controls("abc\u{202E}"), "abc\\u{202e}");
        assert!(matches!(escape_controls("plain ✓"), Cow::Borrowed(_)));
    }
}
