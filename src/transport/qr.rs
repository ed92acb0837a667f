//! QR codes: choosing a version that fits the terminal, drawing with half blocks in explicit
//! dark-on-light colours, writing PNG frames, and reading codes back from images.

use qrcode::{EcLevel, QrCode, Version};

use super::ur::{Payload, UrMessage, UrParts};

/// The highest version used: beyond it phone cameras struggle with terminal cells.
pub const MAX_VERSION: u8 = 12;
/// Quiet zone, in modules, on every side.
pub const QUIET: usize = 2;

/// Alphanumeric capacity at error correction M, versions 1 to 12.
const CAPACITY: [usize; 12] = [20, 38, 61, 90, 122, 154, 178, 221, 262, 311, 366, 419];

pub fn capacity(version: u8) -> usize {
    CAPACITY[usize::from(version.clamp(1, MAX_VERSION)) - 1]
}

/// Modules across a version-`v` code, quiet zone included.
pub fn side(version: u8) -> usize {
    17 + 4 * usize::from(version) + 2 * QUIET
}

/// The largest version (at most 12) whose half-block drawing fits `cols` x `rows` cells.
pub fn version_for(cols: u16, rows: u16) -> Option<u8> {
    (1..=MAX_VERSION)
        .rev()
        .find(|v| side(*v) <= usize::from(cols) && side(*v).div_ceil(2) <= usize::from(rows))
}

/// Message bytes per part that fill a version-`v` code: a part is the header
/// `UR:<type>/<seq>-<count>/` then bytewords (2 characters a byte) of the CBOR part (about 20
/// bytes of framing), the fragment and a 4-byte checksum.
pub fn fragment_for(version: u8, ur_type: &str) -> usize {
    let header = 3 + ur_type.len() + 1 + 8;
    (capacity(version).saturating_sub(header) / 2)
        .saturating_sub(24)
        .max(10)
}

/// Whether a message of `message_len` CBOR bytes fits one single-part code of version `v`.
fn fits_single(version: u8, ur_type: &str, message_len: usize) -> bool {
    3 + ur_type.len() + 1 + 2 * (message_len + 4) <= capacity(version)
}

/// The parts of a payload for a terminal of `cols` x `rows` cells, and the version to draw.
pub fn plan(payload: &Payload, cols: u16, rows: u16) -> Result<(u8, UrParts), String> {
    let max = version_for(cols, rows).ok_or("the terminal is too small for a QR code")?;
    plan_payload(&payload.bytes, &payload.ur_type, max)
}

/// Parts for any payload: one code at the smallest version that holds it, else parts that
/// fill codes of version `max`.
pub fn plan_payload(bytes: &[u8], ur_type: &str, max: u8) -> Result<(u8, UrParts), String> {
    Ok(plan_message(
        UrMessage::single(&Payload::new(ur_type, bytes))?,
        max,
    ))
}

/// Several payloads as one bundle, planned as `plan_payload` plans one.
pub fn plan_bundle(payloads: &[Payload], max: u8) -> Result<(u8, UrParts), String> {
    Ok(plan_message(UrMessage::bundle(payloads)?, max))
}

fn plan_message(message: UrMessage, max: u8) -> (u8, UrParts) {
    let ur_type = message.ur_type().to_string();
    match (1..=max).find(|v| fits_single(*v, &ur_type, message.len())) {
        Some(v) => (v, UrParts::of(message, usize::MAX)),
        None => (max, UrParts::of(message, fragment_for(max, &ur_type))),
    }
}

/// A drawn code: `side` x `side` modules, quiet zone included; true is dark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modules {
    pub side: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.side && y < self.side && self.dark[y * self.side + x]
    }
}

/// Encodes `text` at exactly `version` (or the smallest larger one that holds it), ECC M.
pub fn modules(text: &str, version: u8) -> Result<Modules, String> {
    let code = (version..=40)
        .find_map(|v| QrCode::with_version(text, Version::Normal(i16::from(v)), EcLevel::M).ok())
        .ok_or("the text does not fit any QR code")?;
    let width = code.width();
    let colors = code.to_colors();
    let side = width + 2 * QUIET;
    let mut dark = vec![false; side * side];
    for y in 0..width {
        for x in 0..width {
            dark[(y + QUIET) * side + x + QUIET] = colors[y * width + x] == qrcode::Color::Dark;
        }
    }
    Ok(Modules { side, dark })
}

/// Half-block text with ANSI colours set on every cell (black on white), for a terminal
/// showing the code outside the TUI: two module rows per line.
pub fn to_ansi(m: &Modules) -> String {
    let mut out = String::new();
    for y in (0..m.side).step_by(2) {
        for x in 0..m.side {
            let fg = if m.is_dark(x, y) { 30 } else { 97 };
            let bg = if m.is_dark(x, y + 1) { 40 } else { 107 };
            out.push_str(&format!("\x1b[{fg};{bg}m\u{2580}"));
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

/// A PNG of the code, `scale` pixels a module.
pub fn to_png(m: &Modules, scale: u32) -> Vec<u8> {
    let px = m.side as u32 * scale;
    let img = image::GrayImage::from_fn(px, px, |x, y| {
        let dark = m.is_dark((x / scale) as usize, (y / scale) as usize);
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encoding in memory cannot fail");
    out.into_inner()
}

/// Every QR code found in a greyscale picture, as text.
pub fn decode_greyscale(
    width: usize,
    height: usize,
    pixel: impl Fn(usize, usize) -> u8,
) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// Every QR code in an image file's bytes (PNG or JPEG: a photo or a screenshot).
pub fn decode_image(bytes: &[u8]) -> Result<Vec<String>, String> {
    let img = image::load_from_memory(bytes)
        .map_err(|e| format!("not a PNG or JPEG image: {e}"))?
        .to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let found = decode_greyscale(w, h, |x, y| img.get_pixel(x as u32, y as u32)[0]);
    if found.is_empty() {
        return Err("no readable QR code in the image".into());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_fit_terminals() {
        // 80x24: version 6 with a 2-module quiet zone (45 columns, 23 rows).
        assert_eq!(version_for(80, 24), Some(6));
        assert_eq!(side(6), 45);
        assert_eq!(version_for(200, 60), Some(12));
        assert_eq!(version_for(10, 10), None);
    }

    #[test]
    fn png_round_trip() {
        let m = modules("UR:PCLI-F1/HELLO", 3).unwrap();
        let png = to_png(&m, 4);
        assert_eq!(
            decode_image(&png).unwrap(),
            vec!["UR:PCLI-F1/HELLO".to_string()]
        );
        assert!(decode_image(b"not an image").is_err());
    }
}
