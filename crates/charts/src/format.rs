//! Text helpers: XML escaping, value formatting and compact SVG numbers.

/// Escapes text for XML/HTML (element content and attribute values alike).
///
/// `&`, `<`, `>`, `"` and `'` become entities; control characters that XML 1.0
/// forbids are dropped, so the output is always well-formed.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Formats a value with the unit suffix and decimals, with thousands separators
/// ("1,234.5%"). Negative values get a leading "-"; a value that rounds to zero
/// never shows as "-0". Non-finite values are written as "no value".
pub fn format_value(value: f64, decimals: usize, unit_suffix: &str) -> String {
    if !value.is_finite() {
        return "no value".to_string();
    }
    let decimals = decimals.min(12);
    // Round halves away from zero, as people expect (2.5 → 3), rather than to even.
    let factor = 10f64.powi(decimals as i32);
    let rounded = if (value * factor).abs() < 1e15 {
        (value * factor).round() / factor
    } else {
        value
    };
    let digits = format!("{:.*}", decimals, rounded.abs());
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits.as_str(), None),
    };
    let negative = value < 0.0 && digits.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::with_capacity(digits.len() + int_part.len() / 3 + unit_suffix.len() + 1);
    if negative {
        out.push('-');
    }
    let len = int_part.len();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(frac) = frac_part {
        out.push('.');
        out.push_str(frac);
    }
    out.push_str(unit_suffix);
    out
}

/// A coordinate for SVG output: rounded to one decimal place, without a
/// trailing ".0" and never "-0".
pub(crate) fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".to_string();
    }
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

/// A rough width in user units of `text` at `font_size` in Arial-like fonts.
pub(crate) fn text_width(text: &str, font_size: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.25,
            'f' | 't' | 'r' | 'I' | ' ' | '(' | ')' | '-' | '/' => 0.33,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.85,
            c if c.is_ascii_uppercase() => 0.68,
            _ => 0.56,
        })
        .sum();
    em * font_size
}

/// Makes `prefix` usable as the start of an XML id: letters, digits, `-` and `_`
/// are kept, anything else becomes `-`; it always starts with a letter.
pub(crate) fn id_base(prefix: &str) -> String {
    let mut id: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert_str(0, "chart-");
    }
    id
}

/// Joins items as English: "a", "a and b", "a, b and c".
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last),
    }
}

/// "1 period", "2 periods".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The title shown in `<title>`, never empty.
pub(crate) fn display_title(title: &str) -> &str {
    let t = title.trim();
    if t.is_empty() { "Chart" } else { t }
}

/// Opens an accessible `<svg>` with its `<title>` and `<desc>`; the caller
/// writes the content and the closing `</svg>`.
pub(crate) fn open_svg(
    out: &mut String,
    width: f64,
    height: f64,
    id: &str,
    title: &str,
    desc: &str,
) {
    w!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"100%\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"{}\" \
         font-size=\"14\" fill=\"{}\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        num(width),
        num(height),
        crate::FONT_FAMILY,
        crate::COLOUR_TEXT,
        escape(title),
        escape(desc),
    );
}

/// An accessible SVG that says "No data".
pub(crate) fn no_data_svg(id: &str, title: &str, desc: &str) -> String {
    let mut out = String::new();
    open_svg(&mut out, 640.0, 80.0, id, title, desc);
    w!(
        out,
        "<rect x=\"0.5\" y=\"0.5\" width=\"639\" height=\"79\" fill=\"#f3f2f1\" stroke=\"#b1b4b6\"/>\
         <text x=\"320\" y=\"46\" text-anchor=\"middle\" font-size=\"16\">No data</text></svg>"
    );
    out
}
