//! A greyscale frame, and the conversions from what cameras deliver.

/// An 8-bit greyscale picture, row by row.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayFrame {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl std::fmt::Debug for GrayFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayFrame({}x{})", self.width, self.height)
    }
}

impl GrayFrame {
    /// A frame from its pixels; `None` when their count is not `width * height`.
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Option<Self> {
        (width.checked_mul(height) == Some(pixels.len())).then_some(Self {
            width,
            height,
            pixels,
        })
    }

    pub fn from_image(image: &image::DynamicImage) -> Self {
        let luma = image.to_luma8();
        let (width, height) = (luma.width() as usize, luma.height() as usize);
        Self {
            width,
            height,
            pixels: luma.into_raw(),
        }
    }

    /// A PNG or JPEG picture's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        image::load_from_memory(bytes)
            .map(|image| Self::from_image(&image))
            .map_err(|e| format!("not a PNG or JPEG picture ({e})"))
    }

    pub fn pixel(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }

    /// The frame shrunk to fit `max_width` x `max_height` (aspect kept, never enlarged), each
    /// pixel the mean of the pixels it covers: a preview in terminal half blocks (one column
    /// and two rows a cell: an 80x24 view fits 80x48).
    pub fn shrink_to_fit(&self, max_width: usize, max_height: usize) -> Self {
        if self.width == 0 || self.height == 0 {
            return self.clone();
        }
        let scale = (max_width as f64 / self.width as f64)
            .min(max_height as f64 / self.height as f64)
            .min(1.0);
        let width = ((self.width as f64 * scale).round() as usize).max(1);
        let height = ((self.height as f64 * scale).round() as usize).max(1);
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            let (y0, y1) = (y * self.height / height, (y + 1) * self.height / height);
            for x in 0..width {
                let (x0, x1) = (x * self.width / width, (x + 1) * self.width / width);
                let mut sum = 0u64;
                for row in y0..y1.max(y0 + 1) {
                    let line = &self.pixels[row * self.width..][..self.width];
                    sum += line[x0..x1.max(x0 + 1)]
                        .iter()
                        .map(|p| u64::from(*p))
                        .sum::<u64>();
                }
                let count = ((y1.max(y0 + 1) - y0) * (x1.max(x0 + 1) - x0)) as u64;
                pixels.push((sum / count) as u8);
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }
}

/// The pixel layouts cameras deliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelLayout {
    /// Packed 4:2:2, Y0 U Y1 V: the luma is every other byte.
    Yuyv,
    /// Planar 4:2:0: a full luma plane, then interleaved chroma.
    Nv12,
    Gray,
    Rgb,
    Bgr,
    /// Each frame a JPEG picture.
    Mjpeg,
}

/// The grey picture in a camera's raw frame of `layout`.
pub fn to_gray(
    layout: PixelLayout,
    width: usize,
    height: usize,
    data: &[u8],
) -> Result<GrayFrame, String> {
    let count = width * height;
    let short = |need: usize| {
        format!(
            "a {layout:?} frame of {width}x{height} needs {need} bytes, got {}",
            data.len()
        )
    };
    let pixels = match layout {
        PixelLayout::Mjpeg => {
            let frame = GrayFrame::decode(data)?;
            return Ok(frame);
        }
        PixelLayout::Yuyv => {
            let bytes = data.get(..2 * count).ok_or_else(|| short(2 * count))?;
            bytes.iter().step_by(2).copied().collect()
        }
        PixelLayout::Nv12 | PixelLayout::Gray => {
            data.get(..count).ok_or_else(|| short(count))?.to_vec()
        }
        PixelLayout::Rgb | PixelLayout::Bgr => {
            let bytes = data.get(..3 * count).ok_or_else(|| short(3 * count))?;
            let (r, b) = if layout == PixelLayout::Rgb {
                (0, 2)
            } else {
                (2, 0)
            };
            bytes
                .chunks_exact(3)
                .map(|p| {
                    // ITU-R BT.601 weights in fixed point.
                    let luma = 77 * u32::from(p[r]) + 150 * u32::from(p[1]) + 29 * u32::from(p[b]);
                    (luma >> 8) as u8
                })
                .collect()
        }
    };
    Ok(GrayFrame {
        width,
        height,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_layouts_give_their_luma() {
        // 2x1 pixels: luma 10 and 200.
        let yuyv = [10, 128, 200, 128];
        assert_eq!(
            to_gray(PixelLayout::Yuyv, 2, 1, &yuyv).unwrap().pixels,
            [10, 200]
        );
        let nv12 = [10, 200, 128, 128];
        assert_eq!(
            to_gray(PixelLayout::Nv12, 2, 1, &nv12).unwrap().pixels,
            [10, 200]
        );
        assert_eq!(
            to_gray(PixelLayout::Gray, 2, 1, &[10, 200]).unwrap().pixels,
            [10, 200]
        );
        let rgb = [255, 0, 0, 0, 0, 255];
        assert_eq!(
            to_gray(PixelLayout::Rgb, 2, 1, &rgb).unwrap().pixels,
            [76, 28]
        );
        assert_eq!(
            to_gray(PixelLayout::Bgr, 2, 1, &rgb).unwrap().pixels,
            [28, 76]
        );
        let jpeg = {
            let img = image::GrayImage::from_pixel(16, 8, image::Luma([200]));
            let mut out = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
                .encode_image(&img)
                .unwrap();
            out
        };
        let frame = to_gray(PixelLayout::Mjpeg, 16, 8, &jpeg).unwrap();
        assert_eq!((frame.width, frame.height), (16, 8));
        assert!(frame.pixels.iter().all(|p| p.abs_diff(200) <= 2));
    }

    #[test]
    fn short_or_broken_camera_frames_are_refused_by_name() {
        let e = to_gray(PixelLayout::Yuyv, 640, 480, &[0; 100]).unwrap_err();
        assert!(
            e.contains("Yuyv") && e.contains("640x480") && e.contains("100"),
            "{e}"
        );
        assert!(to_gray(PixelLayout::Rgb, 2, 2, &[0; 11]).is_err());
        let e = to_gray(PixelLayout::Mjpeg, 2, 2, b"not a jpeg").unwrap_err();
        assert!(e.contains("not a PNG or JPEG"), "{e}");
    }

    #[test]
    fn shrinking_averages_and_keeps_the_aspect() {
        let frame = GrayFrame::new(4, 2, vec![0, 100, 200, 200, 100, 0, 200, 200]).unwrap();
        let small = frame.shrink_to_fit(2, 2);
        assert_eq!((small.width, small.height), (2, 1));
        assert_eq!(small.pixels, [50, 200]);
        let preview = GrayFrame::new(640, 480, vec![7; 640 * 480])
            .unwrap()
            .shrink_to_fit(80, 48);
        assert_eq!((preview.width, preview.height), (64, 48));
        assert!(preview.pixels.iter().all(|p| *p == 7));
        // Never enlarged.
        assert_eq!(frame.shrink_to_fit(100, 100), frame);
        assert!(GrayFrame::new(2, 2, vec![0; 3]).is_none());
    }
}
