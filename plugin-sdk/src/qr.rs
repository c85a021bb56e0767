//! QR codes as inline SVG (feature `qr`), drawn without image crates: a
//! ticket's or certificate's link a phone can scan.

use qrcode::{Color, EcLevel, QrCode};

/// The QR code for `data` as an SVG path (`M x y h1v1h-1z` per dark
/// module) and the side of its square with the quiet zone; `None` when the
/// data cannot be encoded (too long). Pages draw it with DOM calls, the
/// printed page as [`svg`].
pub fn path(data: &str) -> Option<(usize, String)> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let w = code.width();
    let quiet = 4;
    let mut path = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % w + quiet, i / w + quiet));
        }
    }
    Some((w + 2 * quiet, path))
}

/// An SVG of a QR code for `data`, `size` CSS pixels wide; empty when the
/// data cannot be encoded (too long), so a ticket still prints without it.
pub fn svg(data: &str, size: u32) -> String {
    let Some((total, path)) = path(data) else {
        return String::new();
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {total} {total}\" width=\"{size}\" height=\"{size}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"二维码\"><rect width=\"{total}\" height=\"{total}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_becomes_a_square_of_modules_and_too_much_data_none() {
        let (side, path) = super::path("https://hall.example/q/t/abc").expect("encodes");
        assert!(side > 21 + 8 && path.starts_with('M'), "{side} {path}");
        assert!(super::svg("https://hall.example/q/t/abc", 120).contains("width=\"120\""));
        assert_eq!(super::path(&"x".repeat(5000)), None);
        assert_eq!(super::svg(&"x".repeat(5000), 120), "");
    }
}
