//! Charts drawn by the server as SVG inside the page: no script, an
//! accessible name (`<title>`) and description (`<desc>`) on each chart and
//! a `<title>` on each bar (its label and value); every text escaped.

use linli_sdk::esc;

/// One series: its name, its colour and a value per label (`None` =
/// no figure, no bar).
pub struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub values: Vec<Option<f64>>,
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// Horizontal bars, one group per label, one bar per series; `unit` after
/// each value. `id` names the chart for the page (and tests).
pub fn bars(id: &str, title: &str, desc: &str, unit: &str, labels: &[String], series: &[Series]) -> String {
    const W: f64 = 720.0;
    const LEFT: f64 = 150.0;
    const BAR: f64 = 14.0;
    let group = BAR * series.len() as f64 + 10.0;
    let top = 28.0;
    let height = top + group * labels.len().max(1) as f64 + 34.0;
    let max = series.iter().flat_map(|s| s.values.iter().flatten()).cloned().fold(0.0f64, f64::max);
    let scale = if max > 0.0 { (W - LEFT - 70.0) / max } else { 0.0 };
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sv-chart\" id=\"{id}\" viewBox=\"0 0 {W} {height}\" width=\"100%\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\">\
         <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>",
        id = esc(id),
        title = esc(title),
        desc = esc(desc),
    );
    // The legend along the top.
    let mut x = LEFT;
    for s in series {
        o.push_str(&format!(
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"17\" font-size=\"12\">{}</text>",
            esc(s.color),
            x + 16.0,
            esc(s.name)
        ));
        x += 30.0 + 13.0 * s.name.chars().count() as f64;
    }
    for (i, label) in labels.iter().enumerate() {
        let y0 = top + group * i as f64;
        let shown: String = label.chars().take(12).collect();
        o.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            LEFT - 6.0,
            y0 + group / 2.0 + 2.0,
            esc(&shown)
        ));
        for (j, s) in series.iter().enumerate() {
            let Some(v) = s.values.get(i).copied().flatten() else { continue };
            let y = y0 + BAR * j as f64 + 3.0;
            let w = (v * scale).max(1.0);
            o.push_str(&format!(
                "<rect x=\"{LEFT}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"><title>{} {}：{}{}</title></rect>\
                 <text x=\"{:.1}\" y=\"{}\" font-size=\"11\">{}{}</text>",
                BAR - 2.0,
                esc(s.color),
                esc(label),
                esc(s.name),
                fmt(v),
                esc(unit),
                LEFT + w + 4.0,
                y + BAR - 4.0,
                fmt(v),
                esc(unit),
            ));
        }
    }
    let axis_y = top + group * labels.len().max(1) as f64 + 4.0;
    o.push_str(&format!("<line x1=\"{LEFT}\" y1=\"{top}\" x2=\"{LEFT}\" y2=\"{axis_y}\" stroke=\"#888\"/>"));
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_names_are_escaped() {
        let s = bars("c", "<t>", "d&", "%", &["<script>".into()], &[Series { name: "a\"b", color: "#000", values: vec![Some(2.5)] }]);
        assert!(!s.contains("<script>") && s.contains("&lt;script&gt;"), "{s}");
        assert!(s.contains("<title id=\"c-t\">&lt;t&gt;</title>") && s.contains("d&amp;"), "{s}");
        assert!(s.contains("a&quot;b"), "{s}");
    }
}
