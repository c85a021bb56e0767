//! Markdown bodies as the plain text a screen shows: no markup characters,
//! lists as bullets, paragraphs kept apart.

/// Converts a Markdown body to screen text.
pub fn to_plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut blank = false;
    for raw in md.lines() {
        let line = raw.trim();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
            blank = false;
        } else if !out.is_empty() {
            out.push('\n');
        }
        let line = line
            .trim_start_matches('#')
            .trim_start_matches('>')
            .trim_start();
        let line = if let Some(rest) = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("* "))
            .or_else(|| line.strip_prefix("+ "))
        {
            out.push_str("• ");
            rest
        } else {
            line
        };
        inline(line, &mut out);
    }
    out
}

/// Drops emphasis and code marks, keeps link text, drops images.
fn inline(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '!'
            && rest[1..].starts_with('[')
            && let Some(end) = link_end(&rest[1..])
        {
            rest = &rest[1 + end..];
            continue;
        }
        if c == '['
            && let (Some(close), Some(end)) = (rest.find("]("), link_end(rest))
        {
            inline(&rest[1..close], out);
            rest = &rest[end..];
            continue;
        }
        if !matches!(c, '*' | '_' | '`') || c == '_' && is_inner_underscore(out, rest) {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
}

/// Byte length of "[text](url)" at the start of `s`.
fn link_end(s: &str) -> Option<usize> {
    let close = s.find("](")?;
    let paren = s[close + 2..].find(')')?;
    Some(close + 2 + paren + 1)
}

/// snake_case words keep their underscores.
fn is_inner_underscore(out: &str, rest: &str) -> bool {
    let before = out.chars().last().is_some_and(char::is_alphanumeric);
    let after = rest[1..].chars().next().is_some_and(char::is_alphanumeric);
    before && after
}

#[cfg(test)]
mod tests {
    use super::to_plain;

    #[test]
    fn strips_markup() {
        let md = "# 医保缴费\n\n请携带**身份证**到 [2 号窗口](https://x/y) 办理。\n\n- 第一步\n- 第二步\n![图](a.png)";
        assert_eq!(
            to_plain(md),
            "医保缴费\n\n请携带身份证到 2 号窗口 办理。\n\n• 第一步\n• 第二步\n"
        );
    }

    #[test]
    fn keeps_snake_case() {
        assert_eq!(to_plain("file_name and _em_"), "file_name and em");
    }
}
