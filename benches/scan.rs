//! Scanning: the decoder's cost per 640x480 camera frame (target: under 30 ms, so a scan keeps
//! up at 8 frames a second), on the webcam test set of tests/data/scan: the frames it reads,
//! the frames it cannot read (the whole search runs and fails), and a frame with no code at
//! all (what the camera sees while a person aims). Also the preview a scan view draws.
//! Run: cargo bench --bench scan

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hoarfrost::transport::qr::decode_luma;
use hoarfrost::transport::scan::GrayFrame;

/// The set's frames, split into those the decoder reads and those it does not.
fn frames() -> (Vec<GrayFrame>, Vec<GrayFrame>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scan");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let mut read = Vec::new();
    let mut unread = Vec::new();
    for f in manifest["frames"].as_array().unwrap() {
        let bytes = std::fs::read(dir.join(f["file"].as_str().unwrap())).unwrap();
        let frame = GrayFrame::decode(&bytes).unwrap();
        let text = f["text"].as_str().unwrap();
        if decode_luma(frame.width, frame.height, &frame.pixels)
            .iter()
            .any(|t| t == text)
        {
            read.push(frame);
        } else {
            unread.push(frame);
        }
    }
    (read, unread)
}

/// A frame with no code: a dim, noisy gradient, as a camera pointed at a desk.
fn no_code() -> GrayFrame {
    let mut state = 0x2545_f491_u32;
    let pixels = (0..640 * 480)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (40 + (i % 640) / 16 + (state % 12) as usize) as u8
        })
        .collect();
    GrayFrame::new(640, 480, pixels).unwrap()
}

fn bench(c: &mut Criterion) {
    let (read, unread) = frames();
    println!(
        "the set: {} frames read, {} not read",
        read.len(),
        unread.len()
    );
    let mut group = c.benchmark_group("scan");
    group.sample_size(20);
    for (name, set) in [("frames read", &read), ("frames not read", &unread)] {
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function(format!("decode 640x480, {name}"), |b| {
            b.iter(|| {
                set.iter()
                    .map(|f| decode_luma(f.width, f.height, &f.pixels).len())
                    .sum::<usize>()
            })
        });
    }
    let empty = no_code();
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode 640x480, no code in view", |b| {
        b.iter(|| decode_luma(empty.width, empty.height, &empty.pixels))
    });
    group.bench_function("preview 640x480 to 80x48", |b| {
        b.iter(|| empty.shrink_to_fit(80, 48))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
