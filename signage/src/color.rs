//! Colours as layouts write them ("#rrggbb") and as the GPU wants them.

use serde::{Deserialize, Deserializer};

/// An sRGB colour with alpha, 0..=255 per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    pub const WHITE: Rgba = Rgba([255, 255, 255, 255]);
    pub const BLACK: Rgba = Rgba([0, 0, 0, 255]);

    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Rgba([r, g, b, 255])
    }

    /// Parses "#rrggbb" or "#rrggbbaa".
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix('#')?;
        if hex.len() != 6 && hex.len() != 8 {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        let a = if hex.len() == 8 { byte(6)? } else { 255 };
        Some(Rgba([byte(0)?, byte(2)?, byte(4)?, a]))
    }

    pub fn with_alpha(self, a: u8) -> Self {
        Rgba([self.0[0], self.0[1], self.0[2], a])
    }

    /// Mixes towards `other` by `t` in 0..=1 (in sRGB space, which is what eyes compare).
    pub fn mix(self, other: Rgba, t: f32) -> Rgba {
        let t = t.clamp(0.0, 1.0);
        let mut out = [0u8; 4];
        for (i, o) in out.iter_mut().enumerate() {
            *o = (self.0[i] as f32 + (other.0[i] as f32 - self.0[i] as f32) * t).round() as u8;
        }
        Rgba(out)
    }

    /// Normalised RGBA as written ("#rrggbb" / 255): what a non-sRGB target stores.
    pub fn to_unit(self) -> [f32; 4] {
        [
            self.0[0] as f32 / 255.0,
            self.0[1] as f32 / 255.0,
            self.0[2] as f32 / 255.0,
            self.0[3] as f32 / 255.0,
        ]
    }

    /// For a render target in `format`: linear light for an sRGB target (whose
    /// hardware converts back on write), the sRGB values themselves otherwise.
    pub fn for_target(self, srgb: bool) -> [f32; 4] {
        if srgb {
            self.to_linear()
        } else {
            self.to_unit()
        }
    }

    /// Linear-light RGBA for an sRGB render target.
    pub fn to_linear(self) -> [f32; 4] {
        let lin = |c: u8| {
            let c = c as f32 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        [
            lin(self.0[0]),
            lin(self.0[1]),
            lin(self.0[2]),
            self.0[3] as f32 / 255.0,
        ]
    }

    pub fn to_glyphon(self) -> glyphon::Color {
        glyphon::Color::rgba(self.0[0], self.0[1], self.0[2], self.0[3])
    }
}

impl<'de> Deserialize<'de> for Rgba {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Rgba::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("colour {s:?} is not #rrggbb")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex() {
        assert_eq!(Rgba::parse("#ff8000"), Some(Rgba([255, 128, 0, 255])));
        assert_eq!(Rgba::parse("#ff800080"), Some(Rgba([255, 128, 0, 128])));
        assert_eq!(Rgba::parse("ff8000"), None);
        assert_eq!(Rgba::parse("#ff80"), None);
    }
}
