//! What a cheap webcam sees of a QR code on a screen: a code drawn as the TUI draws it (half
//! blocks at a terminal's cell size, beside a side panel of text) or as a PNG frame in an image
//! viewer, photographed at 640x480 through a seeded pipeline: scale, rotation, perspective,
//! exposure, vignetting, blur, sensor noise and JPEG compression.
//!
//! Used by `examples/scan_set.rs` (which writes the committed test set) and by the scanning
//! tests (which make frames on the fly); the same seed always gives the same picture.
#![allow(dead_code)]

use hoarfrost::messages::AnyMessage;
use hoarfrost::transport::qr::{modules, plan_payload, Modules};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// A camera frame's size.
pub const FRAME_WIDTH: usize = 640;
pub const FRAME_HEIGHT: usize = 480;

/// A greyscale picture with float samples (0 black, 255 white).
#[derive(Clone)]
pub struct Picture {
    pub width: usize,
    pub height: usize,
    pub px: Vec<f32>,
}

impl Picture {
    pub fn filled(width: usize, height: usize, value: f32) -> Self {
        Self {
            width,
            height,
            px: vec![value; width * height],
        }
    }

    fn at(&self, x: usize, y: usize) -> f32 {
        self.px[y * self.width + x]
    }

    fn fill_rect(&mut self, x: usize, y: usize, w: usize, h: usize, value: f32) {
        for yy in y..(y + h).min(self.height) {
            for xx in x..(x + w).min(self.width) {
                self.px[yy * self.width + xx] = value;
            }
        }
    }

    /// Bilinear sample at a continuous position (pixel centres at +0.5); `outside` beyond the
    /// edges.
    fn sample(&self, x: f64, y: f64, outside: f32) -> f32 {
        let (fx, fy) = (x - 0.5, y - 0.5);
        if fx < 0.0 || fy < 0.0 || fx > (self.width - 1) as f64 || fy > (self.height - 1) as f64 {
            return outside;
        }
        let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (ax, ay) = ((fx - x0 as f64) as f32, (fy - y0 as f64) as f32);
        let top = self.at(x0, y0) * (1.0 - ax) + self.at(x1, y0) * ax;
        let bottom = self.at(x0, y1) * (1.0 - ax) + self.at(x1, y1) * ax;
        top * (1.0 - ay) + bottom * ay
    }

    /// Separable Gaussian blur.
    pub fn blurred(&self, sigma: f64) -> Picture {
        if sigma < 0.05 {
            return self.clone();
        }
        let radius = (3.0 * sigma).ceil() as isize;
        let kernel: Vec<f32> = (-radius..=radius)
            .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp() as f32)
            .collect();
        let total: f32 = kernel.iter().sum();
        let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
        let pass = |src: &Picture, horizontal: bool| {
            let mut out = Picture::filled(src.width, src.height, 0.0);
            for y in 0..src.height {
                for x in 0..src.width {
                    let mut acc = 0.0;
                    for (k, weight) in kernel.iter().enumerate() {
                        let offset = k as isize - radius;
                        let (sx, sy) = if horizontal {
                            (
                                (x as isize + offset).clamp(0, src.width as isize - 1),
                                y as isize,
                            )
                        } else {
                            (
                                x as isize,
                                (y as isize + offset).clamp(0, src.height as isize - 1),
                            )
                        };
                        acc += weight * src.at(sx as usize, sy as usize);
                    }
                    out.px[y * src.width + x] = acc;
                }
            }
            out
        };
        pass(&pass(self, true), false)
    }

    pub fn to_gray_image(&self) -> image::GrayImage {
        image::GrayImage::from_fn(self.width as u32, self.height as u32, |x, y| {
            image::Luma([self.at(x as usize, y as usize).round().clamp(0.0, 255.0) as u8])
        })
    }
}

/// A uniform float in [lo, hi).
pub fn uniform(rng: &mut ChaCha20Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * (rng.next_u32() as f64 / (u32::MAX as f64 + 1.0))
}

/// A standard normal sample (Box-Muller).
fn normal(rng: &mut ChaCha20Rng) -> f64 {
    let u1 = uniform(rng, f64::MIN_POSITIVE, 1.0);
    let u2 = uniform(rng, 0.0, 1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// How the code is shown on the screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Display {
    /// The TUI's half blocks: cells of `cell_w` x `cell_h` pixels, each showing two module rows
    /// (the upper half block's top half and the cell's background below), with `gap` pixel
    /// rows of terminal background between text lines (terminals with line spacing that do not
    /// stretch block glyphs), beside the side panel's text.
    Terminal {
        cell_w: usize,
        cell_h: usize,
        gap: usize,
    },
    /// A PNG frame (`hoarfrost encode --out`, 6 pixels a module) in an image viewer.
    Png,
}

impl Display {
    pub fn name(&self) -> String {
        match self {
            Display::Terminal {
                cell_w,
                cell_h,
                gap,
            } => {
                format!("terminal {cell_w}x{cell_h} cells, {gap} px line gap")
            }
            Display::Png => "PNG frame in a viewer".into(),
        }
    }
}

/// The screen: the code with what surrounds it, and the code's rectangle (quiet zone included).
pub struct Screen {
    pub picture: Picture,
    pub code: [f64; 4],
    /// Source pixels per module, across and down.
    pub module_px: (f64, f64),
}

const TERMINAL_BACKGROUND: f32 = 24.0;
const TERMINAL_TEXT: f32 = 200.0;
const VIEWER_BACKGROUND: f32 = 70.0;

/// Draws `m` as `display` shows it, with a margin of surroundings on every side.
pub fn screen(m: &Modules, display: Display, rng: &mut ChaCha20Rng) -> Screen {
    match display {
        Display::Terminal {
            cell_w,
            cell_h,
            gap,
        } => {
            let rows = m.side.div_ceil(2);
            let line = cell_h + gap;
            let (code_w, code_h) = (m.side * cell_w, rows * line);
            // Margins: a few cells of terminal around it, and the side panel's text on the right.
            let (left, top) = (3 * cell_w, 2 * line);
            let panel = 32 * cell_w;
            let (width, height) = (left + code_w + panel, top + code_h + 2 * line);
            let mut p = Picture::filled(width, height, TERMINAL_BACKGROUND);
            let upper = cell_h / 2;
            for row in 0..rows {
                for x in 0..m.side {
                    let (px, py) = (left + x * cell_w, top + row * line);
                    let shade = |dark| if dark { 0.0 } else { 255.0 };
                    p.fill_rect(px, py, cell_w, upper, shade(m.is_dark(x, 2 * row)));
                    let lower = shade(m.is_dark(x, 2 * row + 1));
                    p.fill_rect(px, py + upper, cell_w, cell_h - upper, lower);
                }
            }
            // The side panel: lines of "text" (runs of bright glyph-sized marks).
            let text_x = left + code_w + cell_w;
            for row in 0..(height / line).saturating_sub(1) {
                if rng.next_u32().is_multiple_of(3) {
                    continue;
                }
                let len = 4 + (rng.next_u32() % 24) as usize;
                for c in 0..len {
                    if rng.next_u32().is_multiple_of(6) {
                        continue;
                    }
                    let (gx, gy) = (text_x + c * cell_w + 1, row * line + cell_h / 4);
                    p.fill_rect(gx, gy, cell_w - 2, cell_h / 2, TERMINAL_TEXT);
                }
            }
            Screen {
                picture: p,
                code: [left as f64, top as f64, code_w as f64, code_h as f64],
                module_px: (cell_w as f64, line as f64 / 2.0),
            }
        }
        Display::Png => {
            let scale = 6;
            let code = m.side * scale;
            let margin = code / 2;
            let size = code + 2 * margin;
            let mut p = Picture::filled(size, size, VIEWER_BACKGROUND);
            for y in 0..m.side {
                for x in 0..m.side {
                    let shade = if m.is_dark(x, y) { 0.0 } else { 255.0 };
                    p.fill_rect(margin + x * scale, margin + y * scale, scale, scale, shade);
                }
            }
            Screen {
                picture: p,
                code: [margin as f64, margin as f64, code as f64, code as f64],
                module_px: (scale as f64, scale as f64),
            }
        }
    }
}

/// One photograph's conditions.
#[derive(Clone, Copy, Debug)]
pub struct Shot {
    /// Camera pixels per module (across).
    pub module_px: f64,
    /// Rotation in degrees.
    pub rotation: f64,
    /// Perspective: how far each corner moves, as a fraction of the code's size.
    pub skew: f64,
    /// The brightest and darkest levels the camera records of the screen's white and black.
    pub white: f64,
    pub black: f64,
    /// Darkening toward the corners (0 none, 0.5 half).
    pub vignette: f64,
    /// Gaussian blur of the optics, in camera pixels.
    pub blur: f64,
    /// Sensor noise (standard deviation, grey levels).
    pub noise: f64,
    pub jpeg_quality: u8,
}

impl Shot {
    /// A shot drawn from ranges that span a webcam held in front of a screen, from easy to
    /// beyond what any decoder reads.
    pub fn random(rng: &mut ChaCha20Rng) -> Self {
        let white = uniform(rng, 110.0, 235.0);
        Self {
            module_px: uniform(rng, 2.2, 7.0),
            rotation: uniform(rng, -8.0, 8.0),
            skew: uniform(rng, 0.0, 0.10),
            white,
            black: uniform(rng, 10.0, white - 45.0),
            vignette: uniform(rng, 0.0, 0.45),
            blur: uniform(rng, 0.5, 2.0),
            noise: uniform(rng, 1.0, 9.0),
            jpeg_quality: uniform(rng, 55.0, 92.0) as u8,
        }
    }

    /// A shot any decoder worth its name reads: large, square on, sharp, bright.
    pub fn clear() -> Self {
        Self {
            module_px: 5.0,
            rotation: 2.0,
            skew: 0.01,
            white: 220.0,
            black: 30.0,
            vignette: 0.1,
            blur: 0.6,
            noise: 2.0,
            jpeg_quality: 90,
        }
    }

    /// A shot nothing reads: the camera out of focus.
    pub fn out_of_focus() -> Self {
        Self {
            blur: 9.0,
            ..Self::clear()
        }
    }
}

/// Solves the 8 coefficients of the projective map taking `from[i]` to `to[i]`.
fn homography(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> [f64; 9] {
    let mut a = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let ((x, y), (u, v)) = (from[i], to[i]);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|p, q| a[*p][col].abs().total_cmp(&a[*q][col].abs()))
            .expect("rows remain");
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, values) in a.iter_mut().enumerate() {
            if row != col {
                let factor = values[col] / pivot_row[col];
                for (value, p) in values.iter_mut().zip(pivot_row).skip(col) {
                    *value -= factor * p;
                }
            }
        }
    }
    let mut h = [0.0; 9];
    for (i, coefficient) in h.iter_mut().take(8).enumerate() {
        *coefficient = a[i][8] / a[i][i];
    }
    h[8] = 1.0;
    h
}

fn project(h: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + h[8];
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}

/// Photographs `screen` as `shot` says, into a 640x480 greyscale JPEG.
pub fn photograph(screen: &Screen, shot: &Shot, rng: &mut ChaCha20Rng) -> Vec<u8> {
    let [cx, cy, cw, ch] = screen.code;
    let scale = shot.module_px / screen.module_px.0;
    // Anti-aliasing: a camera integrates light over each sensor pixel.
    let source = if scale < 1.0 {
        screen.picture.blurred(0.5 / scale)
    } else {
        screen.picture.clone()
    };
    let (w, h) = (cw * scale, ch * scale);
    let limit = 0.92 * FRAME_HEIGHT as f64 / w.max(h);
    let (w, h) = if limit < 1.0 {
        (w * limit, h * limit)
    } else {
        (w, h)
    };
    // The code's centre lands near the frame's centre.
    let slack_x = ((FRAME_WIDTH as f64 - w) / 2.0 - 10.0).max(0.0) * 0.5;
    let slack_y = ((FRAME_HEIGHT as f64 - h) / 2.0 - 10.0).max(0.0) * 0.5;
    let centre = (
        FRAME_WIDTH as f64 / 2.0 + uniform(rng, -slack_x, slack_x),
        FRAME_HEIGHT as f64 / 2.0 + uniform(rng, -slack_y, slack_y),
    );
    let (sin, cos) = shot.rotation.to_radians().sin_cos();
    let corners = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)];
    let size = w.max(h);
    let to: Vec<(f64, f64)> = corners
        .iter()
        .map(|(u, v)| {
            let (x, y) = (u * w, v * h);
            let jitter = (
                uniform(rng, -shot.skew, shot.skew) * size,
                uniform(rng, -shot.skew, shot.skew) * size,
            );
            (
                centre.0 + x * cos - y * sin + jitter.0,
                centre.1 + x * sin + y * cos + jitter.1,
            )
        })
        .collect();
    let from = [(cx, cy), (cx + cw, cy), (cx + cw, cy + ch), (cx, cy + ch)];
    // The map from camera pixels back to the screen.
    let back = homography([to[0], to[1], to[2], to[3]], from);
    let desk = 45.0;
    let mut frame = Picture::filled(FRAME_WIDTH, FRAME_HEIGHT, 0.0);
    let (half_w, half_h) = (FRAME_WIDTH as f64 / 2.0, FRAME_HEIGHT as f64 / 2.0);
    for y in 0..FRAME_HEIGHT {
        for x in 0..FRAME_WIDTH {
            let (sx, sy) = project(&back, x as f64 + 0.5, y as f64 + 0.5);
            let shown = source.sample(sx, sy, desk) as f64 / 255.0;
            let level = shot.black + (shot.white - shot.black) * shown;
            let r2 =
                ((x as f64 - half_w) / half_w).powi(2) + ((y as f64 - half_h) / half_h).powi(2);
            frame.px[y * FRAME_WIDTH + x] = (level * (1.0 - shot.vignette * r2 / 2.0)) as f32;
        }
    }
    let mut frame = frame.blurred(shot.blur);
    for p in &mut frame.px {
        *p += (normal(rng) * shot.noise) as f32;
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, shot.jpeg_quality)
        .encode_image(&frame.to_gray_image())
        .expect("JPEG encoding in memory cannot fail");
    out
}

/// Camera frames of each message's parts (version 8, as a 100-column terminal shows them):
/// every fragment and as many fountain parts, all shuffled together, with `missing` parts of
/// the first message left out.
pub fn camera_frames(messages: &[AnyMessage], missing: usize) -> Vec<Vec<u8>> {
    let mut r = ChaCha20Rng::seed_from_u64(33);
    let mut texts = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let (version, mut parts) = plan_payload(&m.to_bytes(), m.kind().ur_type(), 8).unwrap();
        let n = parts.fragment_count();
        assert!(n > 2, "{} is {n} parts", m.kind());
        let count = if i == 0 && missing > 0 {
            n - missing
        } else {
            2 * n
        };
        texts.extend((0..count).map(|p| (version, parts.part(p).to_string())));
    }
    // Shuffled (Fisher-Yates).
    for i in (1..texts.len()).rev() {
        let j = (r.next_u32() as usize) % (i + 1);
        texts.swap(i, j);
    }
    let display = Display::Terminal {
        cell_w: 8,
        cell_h: 16,
        gap: 0,
    };
    texts
        .iter()
        .map(|(version, text)| {
            let shown = screen(&modules(text, *version).unwrap(), display, &mut r);
            photograph(&shown, &Shot::clear(), &mut r)
        })
        .collect()
}

/// Writes the frames as a camera would name them, with photos nobody can read among them.
pub fn frame_folder(frames: &[Vec<u8>]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut r = ChaCha20Rng::seed_from_u64(34);
    let blank = {
        let m = modules("UR:PCLI-F1/UNREADABLE", 2).unwrap();
        photograph(
            &screen(&m, Display::Png, &mut r),
            &Shot::out_of_focus(),
            &mut r,
        )
    };
    for (i, frame) in frames.iter().enumerate() {
        std::fs::write(dir.path().join(format!("frame-{:04}.jpg", 3 * i)), frame).unwrap();
        if i % 4 == 1 {
            // An out-of-focus photo between two frames.
            std::fs::write(
                dir.path().join(format!("frame-{:04}.jpg", 3 * i + 1)),
                &blank,
            )
            .unwrap();
        }
    }
    std::fs::write(dir.path().join("frame-0002.jpg"), b"a broken file").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"not a picture").unwrap();
    dir
}
