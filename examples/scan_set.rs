//! Writes the scanning test set, `tests/data/scan/`: QR frames of real ceremony messages (UR
//! parts at the versions the TUI uses, drawn as the TUI draws them or as PNG frames)
//! photographed through a seeded webcam pipeline at 640x480, and `manifest.json` with each
//! frame's expected text, its conditions and whether `zbarimg` (zbar) read it.
//!
//! Run: cargo run --example scan_set   (needs zbarimg: apt-get install zbar-tools)
//! The same code and seed always write the same set.

#[path = "../tests/common/photo.rs"]
mod photo;

use std::path::Path;
use std::process::Command;

use hoarfrost::dkg::Dkg;
use hoarfrost::keys::deal;
use hoarfrost::messages::AnyMessage;
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower};
use hoarfrost::transport::qr::{modules, plan_payload};
use photo::{photograph, screen, Display, Shot};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const SEED: u64 = 2026;

/// A transaction's `CoordinatorRound1` (the largest message), a `FollowerRound1` (a small one)
/// and a 5-of-7 `DKGRound2`.
fn messages(rng: &mut ChaCha20Rng) -> Vec<AnyMessage> {
    let shares = deal(rng, 2, 3).expect("deal");
    let plan = serde_json::from_str(include_str!("../tests/data/plan.json")).expect("plan");
    let (_, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        SigningRequest::Transaction(plan),
        None,
    )
    .expect("coordinator");
    let reply = Follower::new(shares[1].clone(), round1.clone())
        .expect("follower")
        .approve(rng)
        .expect("approve");
    let mut dkgs: Vec<(Dkg, hoarfrost::dkg::DkgRound1)> =
        (0..7).map(|_| Dkg::new(5, 7, rng).expect("dkg")).collect();
    let others: Vec<_> = dkgs[1..].iter().map(|(_, m)| m.clone()).collect();
    for m in others {
        dkgs[0].0.accept_round1(m).expect("round 1");
    }
    let dkg2 = dkgs[0].0.start_round2(rng).expect("round 2");
    vec![
        AnyMessage::CoordinatorRound1(round1),
        AnyMessage::FollowerRound1(reply),
        AnyMessage::DkgRound2(dkg2),
    ]
}

/// Whether zbar reads `text` from the image at `path`.
fn zbar_reads(path: &Path, text: &str) -> bool {
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(path)
        .output()
        .expect("zbarimg runs (apt-get install zbar-tools)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l == text)
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scan");
    std::fs::create_dir_all(&dir).expect("create the set's folder");
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let messages = messages(&mut rng);
    let displays = [
        Display::Terminal {
            cell_w: 8,
            cell_h: 16,
            gap: 0,
        },
        Display::Terminal {
            cell_w: 9,
            cell_h: 19,
            gap: 0,
        },
        Display::Png,
        Display::Terminal {
            cell_w: 7,
            cell_h: 15,
            gap: 0,
        },
        Display::Terminal {
            cell_w: 10,
            cell_h: 21,
            gap: 1,
        },
    ];
    let mut frames = Vec::new();
    let mut read = 0;
    // The TUI's versions: 6 at 80x24 up to 12 at 120x40 and beyond.
    for version in [6u8, 8, 10, 12] {
        for message in &messages {
            let bytes = message.to_bytes();
            let (drawn, mut parts) =
                plan_payload(&bytes, message.kind().ur_type(), version).expect("a message fits");
            let n = parts.fragment_count();
            // Two fragments and two fountain parts.
            for index in [0, n / 2, n, n + 1] {
                let text = parts.part(index).to_string();
                let m = modules(&text, drawn).expect("a part fits its version");
                let display = displays[frames.len() % displays.len()];
                let shot = Shot::random(&mut rng);
                let picture = photograph(&screen(&m, display, &mut rng), &shot, &mut rng);
                let style = match display {
                    Display::Terminal { .. } => "terminal",
                    Display::Png => "png",
                };
                let file = format!("{:02}-v{drawn}-{style}.jpg", frames.len());
                let path = dir.join(&file);
                std::fs::write(&path, &picture).expect("write a frame");
                let zbar = zbar_reads(&path, &text);
                read += usize::from(zbar);
                frames.push(serde_json::json!({
                    "file": file,
                    "text": text,
                    "message": message.kind().name(),
                    "version": drawn,
                    "display": display.name(),
                    "shot": {
                        "module_px": round2(shot.module_px),
                        "rotation_deg": round2(shot.rotation),
                        "skew": round2(shot.skew),
                        "white": round2(shot.white),
                        "black": round2(shot.black),
                        "vignette": round2(shot.vignette),
                        "blur_px": round2(shot.blur),
                        "noise": round2(shot.noise),
                        "jpeg_quality": shot.jpeg_quality,
                    },
                    "zbarimg": zbar,
                }));
            }
        }
    }
    let version = Command::new("zbarimg")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let manifest = serde_json::json!({
        "about": "Webcam photographs (640x480, greyscale JPEG) of hoarfrost's QR frames; written by examples/scan_set.rs. 'zbarimg' says whether zbar read the frame's text.",
        "seed": SEED,
        "zbarimg_version": version,
        "zbarimg_reads": read,
        "frames": frames,
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).expect("JSON") + "\n",
    )
    .expect("write the manifest");
    println!(
        "wrote {} frames to {}; zbarimg {version} read {read}",
        frames.len(),
        dir.display()
    );
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
