//! Text every embedded font can show.
//!
//! PDF/UA-1 forbids text drawn with a missing glyph, so typst refuses the whole PDF when user text
//! holds a character no embedded font has (an emoji, a Chinese character, a control character).
//! One such character in a storyboard must not stop a yearly report: [`displayable`] replaces
//! each with U+FFFD (�), which the fonts have, so the reader still sees that something was there.

use std::borrow::Cow;

use crate::world::fonts;

/// What stands in for a character no embedded font can show.
pub const REPLACEMENT: char = '\u{FFFD}';

/// `text` with every character that no embedded font can show replaced by [`REPLACEMENT`].
/// Line breaks, tabs and invisible formatting characters (zero-width spaces and joiners,
/// variation selectors, direction marks) are kept: typst shows them without a glyph.
pub fn displayable(text: &str) -> Cow<'_, str> {
    if text.chars().all(shows) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if shows(c) { c } else { REPLACEMENT })
            .collect(),
    )
}

fn shows(c: char) -> bool {
    match c {
        // Printable ASCII is in every embedded text font.
        ' '..='~' | '\n' | '\r' | '\t' => true,
        c if c.is_control() => false,
        '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' => true,
        c => fonts()
            .iter()
            .any(|font| font.info().coverage.contains(c as u32)),
    }
}

/// The report JSON with every string made [`displayable`], except file names (`"file"`), which
/// must match the virtual files exactly. JSON that does not parse, or needs no change, is
/// returned as it is (typst then reports a parse error with its line and column).
pub(crate) fn displayable_json(json: &[u8]) -> Cow<'_, [u8]> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(json) else {
        return Cow::Borrowed(json);
    };
    if !make_displayable(&mut value) {
        return Cow::Borrowed(json);
    }
    match serde_json::to_vec(&value) {
        Ok(bytes) => Cow::Owned(bytes),
        Err(_) => Cow::Borrowed(json),
    }
}

/// Makes every string in `value` displayable; true if any changed.
fn make_displayable(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => match displayable(text) {
            Cow::Borrowed(_) => false,
            Cow::Owned(shown) => {
                *text = shown;
                true
            }
        },
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for item in items {
                changed |= make_displayable(item);
            }
            changed
        }
        serde_json::Value::Object(fields) => {
            let mut changed = false;
            for (key, item) in fields {
                if key != "file" {
                    changed |= make_displayable(item);
                }
            }
            changed
        }
        _ => false,
    }
}

/// A chart SVG with the characters in its text made [`displayable`] (SVG markup is ASCII, so
/// only text content and attribute values can change). Bytes that are not UTF-8 are returned
/// as they are.
pub(crate) fn displayable_svg(svg: &[u8]) -> Cow<'_, [u8]> {
    match std::str::from_utf8(svg).map(displayable) {
        Ok(Cow::Owned(shown)) => Cow::Owned(shown.into_bytes()),
        _ => Cow::Borrowed(svg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_the_fonts_have_is_kept() {
        for text in [
            "Plain ASCII #$*<>",
            "Zoë’s café — “naïve” £1,234 5 × 3 ≥ 2 Łódź Ελληνικά Привет",
            "New\nline\tand tab",
            "zero\u{200B}width",
        ] {
            assert!(matches!(displayable(text), Cow::Borrowed(_)), "{text:?}");
        }
    }

    #[test]
    fn text_no_font_has_is_replaced() {
        assert_eq!(displayable("a 😀 b"), "a \u{FFFD} b");
        assert_eq!(displayable("bell\u{7}"), "bell\u{FFFD}");
        assert_eq!(displayable("中文"), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn json_strings_change_but_file_names_do_not() {
        let json =
            br#"{"title":"A \ud83d\ude00","blocks":[{"file":"x\ud83d\ude00.svg","text":"b"}]}"#;
        let shown = displayable_json(json);
        let value: serde_json::Value = serde_json::from_slice(&shown).expect("json");
        assert_eq!(value["title"], "A \u{FFFD}");
        assert_eq!(value["blocks"][0]["file"], "x😀.svg");
        assert_eq!(value["blocks"][0]["text"], "b");
        // Unchanged or unparsable JSON passes through byte for byte.
        assert!(matches!(
            displayable_json(br#"{"a":"b"}"#),
            Cow::Borrowed(_)
        ));
        assert!(matches!(displayable_json(b"{\"a\":"), Cow::Borrowed(_)));
    }
}
