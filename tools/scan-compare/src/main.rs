//! Reads every frame of `tests/data/scan` with each QR decoder candidate and prints, per
//! decoder, how many frames it read correctly (the manifest's text), how many frames zbar read
//! that it missed, and its time per 640x480 frame.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

type Decoder = fn(&[u8], u32, u32) -> Vec<String>;

fn rqrr(luma: &[u8], w: u32, h: u32) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
        luma[y * w as usize + x]
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, t)| t))
        .collect()
}

fn quircs(luma: &[u8], w: u32, h: u32) -> Vec<String> {
    let mut q = quircs::Quirc::default();
    q.identify(w as usize, h as usize, luma)
        .filter_map(|c| c.ok()?.decode().ok())
        .filter_map(|d| String::from_utf8(d.payload).ok())
        .collect()
}

fn bardecoder(luma: &[u8], w: u32, h: u32) -> Vec<String> {
    let img = image024::GrayImage::from_raw(w, h, luma.to_vec()).expect("size");
    bardecoder::default_decoder()
        .decode(&image024::DynamicImage::ImageLuma8(img))
        .into_iter()
        .filter_map(Result::ok)
        .collect()
}

fn rxing_with(luma: &[u8], w: u32, h: u32, try_harder: bool, hybrid: bool) -> Vec<String> {
    use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
    use rxing::qrcode::cpp_port::QrReader;
    use rxing::{BinaryBitmap, DecodeHints, Luma8Source, Reader};
    let hints = DecodeHints {
        TryHarder: Some(try_harder),
        ..Default::default()
    };
    let source = Luma8Source::new_with_slice(luma, w, h).expect("size");
    let result = if hybrid {
        QrReader.decode_with_hints(&mut BinaryBitmap::new(HybridBinarizer::new(source)), &hints)
    } else {
        QrReader.decode_with_hints(
            &mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source)),
            &hints,
        )
    };
    result.map(|r| vec![r.getText().to_string()]).unwrap_or_default()
}

/// Every code the cpp-port reader finds, with the global-histogram binarizer, then (when it
/// finds none) the hybrid one.
fn rxing_multiple(luma: &[u8], w: u32, h: u32) -> Vec<String> {
    use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
    use rxing::multi::MultipleBarcodeReader;
    use rxing::qrcode::cpp_port::QrReader;
    use rxing::{BinaryBitmap, DecodeHints, Luma8Source};
    let hints = DecodeHints {
        TryHarder: Some(true),
        ..Default::default()
    };
    let texts = |r: Vec<rxing::RXingResult>| -> Vec<String> { r.iter().map(|c| c.getText().to_string()).collect() };
    let source = || Luma8Source::new_with_slice(luma, w, h).expect("size");
    let global = QrReader
        .decode_multiple_with_hints(&mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source())), &hints)
        .map(texts)
        .unwrap_or_default();
    if !global.is_empty() {
        return global;
    }
    QrReader
        .decode_multiple_with_hints(&mut BinaryBitmap::new(HybridBinarizer::new(source())), &hints)
        .map(texts)
        .unwrap_or_default()
}

fn rxing_multi(luma: &[u8], w: u32, h: u32) -> Vec<String> {
    // MultiFormatReader restricted to QR: the cpp-port reader, then the Java-port reader.
    use rxing::common::HybridBinarizer;
    use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, MultiFormatReader, Reader};
    let hints = DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..Default::default()
    };
    let source = Luma8Source::new_with_slice(luma, w, h).expect("size");
    MultiFormatReader::default()
        .decode_with_hints(&mut BinaryBitmap::new(HybridBinarizer::new(source)), &hints)
        .map(|r| vec![r.getText().to_string()])
        .unwrap_or_default()
}

fn zbar(luma: &[u8], w: u32, h: u32) -> Vec<String> {
    let mut scanner = zbar_rust::ZBarImageScanner::new();
    scanner
        .scan_y800(luma, w, h)
        .map(|r| {
            r.into_iter()
                .filter_map(|c| String::from_utf8(c.data).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/scan")));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    let frames: Vec<(String, String, bool, Vec<u8>, u32, u32)> = manifest["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap().to_string();
            let img = image::open(dir.join(&file)).expect("image").to_luma8();
            let (w, h) = img.dimensions();
            (
                file,
                f["text"].as_str().unwrap().to_string(),
                f["zbarimg"].as_bool().unwrap(),
                img.into_raw(),
                w,
                h,
            )
        })
        .collect();
    let zbarimg_reads = frames.iter().filter(|f| f.2).count();
    let decoders: [(&str, Decoder); 10] = [
        ("rqrr 0.11", rqrr),
        ("quircs 0.10", quircs),
        ("bardecoder 0.5", bardecoder),
        ("rxing 0.9 (QR, hybrid binarizer, try harder)", |l, w, h| rxing_with(l, w, h, true, true)),
        ("rxing 0.9 (QR, hybrid binarizer)", |l, w, h| rxing_with(l, w, h, false, true)),
        ("rxing 0.9 (QR, global histogram, try harder)", |l, w, h| rxing_with(l, w, h, true, false)),
        ("rxing 0.9 (MultiFormatReader, QR only)", rxing_multi),
        ("rxing 0.9 (QR, global histogram then hybrid, try harder)", |l, w, h| {
            let global = rxing_with(l, w, h, true, false);
            if global.is_empty() { rxing_with(l, w, h, true, true) } else { global }
        }),
        ("rxing 0.9 (QR, every code: global histogram then hybrid)", rxing_multiple),
        ("zbar 0.23 (zbar-rust)", zbar),
    ];
    println!(
        "{} frames; zbarimg (manifest) read {zbarimg_reads}\n",
        frames.len()
    );
    println!("| decoder | frames read | missed of zbarimg's | wrong text | ms per frame (mean) | ms (max) |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, decode) in decoders {
        let (mut read, mut missed, mut wrong) = (0, 0, 0);
        let mut total = Duration::ZERO;
        let mut max = Duration::ZERO;
        let mut failed = Vec::new();
        for (file, text, zbar_read, luma, w, h) in &frames {
            // The best of three runs: the decoder's cost without the machine's noise.
            let mut best = Duration::MAX;
            let mut found = Vec::new();
            for _ in 0..3 {
                let start = Instant::now();
                found = decode(luma, *w, *h);
                best = best.min(start.elapsed());
            }
            total += best;
            max = max.max(best);
            let ok = found.iter().any(|f| f == text);
            read += usize::from(ok);
            wrong += usize::from(!ok && !found.is_empty());
            if *zbar_read && !ok {
                missed += 1;
            }
            if !ok {
                failed.push(file.as_str());
            }
        }
        println!(
            "| {name} | {read} | {missed} | {wrong} | {:.1} | {:.1} |",
            total.as_secs_f64() * 1000.0 / frames.len() as f64,
            max.as_secs_f64() * 1000.0
        );
        eprintln!("{name} did not read: {}", failed.join(" "));
    }
}
