//! Properties: the decoder and the frame conversions never panic on any input, the decoder
//! reads back every code we draw, previews fit their view, and choosing a camera only ever
//! picks from the list.

use proptest::prelude::*;

use super::frame::{to_gray, PixelLayout};
use super::*;
use crate::transport::qr::{decode_luma, modules};

const LAYOUTS: [PixelLayout; 6] = [
    PixelLayout::Yuyv,
    PixelLayout::Nv12,
    PixelLayout::Gray,
    PixelLayout::Rgb,
    PixelLayout::Bgr,
    PixelLayout::Mjpeg,
];

/// A code drawn cleanly, `scale` pixels a module, as a screenshot would show it.
fn drawn(text: &str, version: u8, scale: usize) -> (usize, Vec<u8>) {
    let m = modules(text, version).unwrap();
    let side = m.side * scale;
    let pixels = (0..side * side)
        .map(|i| {
            let (x, y) = (i % side / scale, i / side / scale);
            if m.is_dark(x, y) {
                0
            } else {
                255
            }
        })
        .collect();
    (side, pixels)
}

proptest! {
    #[test]
    fn the_decoder_never_panics_on_any_picture(
        width in 0usize..96,
        height in 0usize..96,
        seed in any::<u64>(),
        extra in 0usize..3,
    ) {
        // Any bytes, and lengths that do not match the size.
        let mut state = seed | 1;
        let luma: Vec<u8> = (0..width * height + extra)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let _ = decode_luma(width, height, &luma);
        let _ = decode_luma(width, height, &luma[..width * height]);
    }

    #[test]
    fn the_decoder_reads_back_every_code_we_draw(
        text in "UR:PCLI-[A-Z0-9]{1,4}/[0-9]{1,3}-[0-9]{1,3}/[A-Z]{10,120}",
        version in 2u8..=12,
        scale in 2usize..5,
    ) {
        let (side, pixels) = drawn(&text, version, scale);
        prop_assert_eq!(decode_luma(side, side, &pixels), vec![text]);
    }

    #[test]
    fn camera_frames_of_any_size_convert_or_are_refused(
        layout in 0usize..6,
        width in 0usize..40,
        height in 0usize..40,
        data in proptest::collection::vec(any::<u8>(), 0..5000),
    ) {
        if let Ok(frame) = to_gray(LAYOUTS[layout], width, height, &data) {
            prop_assert_eq!(frame.pixels.len(), frame.width * frame.height);
            if LAYOUTS[layout] != PixelLayout::Mjpeg {
                prop_assert_eq!((frame.width, frame.height), (width, height));
            }
        }
    }

    #[test]
    fn previews_fit_their_view_and_keep_a_flat_picture_flat(
        width in 1usize..300,
        height in 1usize..300,
        columns in 1usize..100,
        rows in 1usize..100,
        shade in any::<u8>(),
    ) {
        let frame = GrayFrame::new(width, height, vec![shade; width * height]).unwrap();
        let preview = frame.shrink_to_fit(columns, rows);
        prop_assert!(preview.width >= 1 && preview.height >= 1);
        prop_assert!(preview.width <= width.max(1) && preview.height <= height.max(1));
        prop_assert!(preview.width <= columns && preview.height <= rows);
        prop_assert!(preview.pixels.iter().all(|p| *p == shade));
    }

    #[test]
    fn a_chosen_camera_is_always_one_of_the_list(
        names in proptest::collection::vec("[A-Za-z0-9 :/]{0,20}", 0..5),
        wanted in proptest::option::of("[A-Za-z0-9 :/]{0,8}"),
    ) {
        let cameras: Vec<CameraInfo> = names
            .iter()
            .enumerate()
            .map(|(i, name)| CameraInfo {
                index: (2 * i).to_string(),
                name: name.clone(),
                description: format!("Video4Linux Device @ /dev/video{}", 2 * i),
            })
            .collect();
        match candidates(&cameras, wanted.as_deref()) {
            Ok(chosen) => {
                prop_assert!(!chosen.is_empty());
                prop_assert!(chosen.iter().all(|c| cameras.contains(c)));
                if wanted.is_none() {
                    prop_assert_eq!(chosen.len(), cameras.len());
                } else {
                    prop_assert_eq!(chosen.len(), 1);
                }
            }
            Err(e) => prop_assert!(cameras.is_empty() || wanted.is_some(), "{}", e),
        }
    }
}
