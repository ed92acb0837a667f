//! QR and UR on the command line: showing or writing outgoing messages as QR codes, and the
//! `decode`, `encode` and `bundle` bridges for participants (pcli ones too) across an airgap.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;

use crate::messages::AnyMessage;
use crate::transport::qr::{self, modules, plan_bundle, plan_payload, to_ansi, to_png};
use crate::transport::ur::{Received, UrCollector, UrParts};
use crate::transport::ur_collector;

/// How line mode shows outgoing messages besides the JSON line.
#[derive(Default)]
pub struct QrOutput {
    /// QR codes as text on stderr.
    pub ansi: bool,
    /// PNG frames in this folder.
    pub dir: Option<PathBuf>,
}

static OUTPUT: OnceLock<QrOutput> = OnceLock::new();

pub fn configure(line: &super::args::LineArgs) {
    let _ = OUTPUT.set(QrOutput {
        ansi: line.qr,
        dir: line.qr_out.clone(),
    });
}

/// The frames of a payload: every fragment, then twice as many fountain parts, so frames can
/// go missing (a third of them, say) and the rest still complete the message, as a camera
/// watching the loop would.
fn frames(parts: &mut UrParts) -> Vec<String> {
    let n = parts.fragment_count();
    let count = if n == 1 { 1 } else { 3 * n };
    (0..count).map(|i| parts.part(i).to_string()).collect()
}

fn write_frames(
    dir: &Path,
    stem: &str,
    version: u8,
    frames: &[String],
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let path = dir.join(format!("{stem}-{:03}.png", i + 1));
            let png = to_png(&modules(f, version).map_err(anyhow::Error::msg)?, 6);
            crate::fsutil::write_atomic(&path, &png, crate::fsutil::Overwrite::WithBackup)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(path)
        })
        .collect()
}

fn show_ansi(version: u8, frames: &[String]) -> anyhow::Result<()> {
    for (i, f) in frames.iter().enumerate() {
        eprint!(
            "{}",
            to_ansi(&modules(f, version).map_err(anyhow::Error::msg)?)
        );
        eprintln!("part {} of {}\n", i + 1, frames.len());
    }
    Ok(())
}

/// Called for every line line mode emits: protocol messages also go out as QR codes.
pub fn on_emit(line: &str) -> anyhow::Result<()> {
    let Some(output) = OUTPUT.get() else {
        return Ok(());
    };
    if !output.ansi && output.dir.is_none() {
        return Ok(());
    }
    let Ok(message) = AnyMessage::from_json(line) else {
        return Ok(());
    };
    let (version, mut parts) = plan_payload(
        &message.to_bytes(),
        message.kind().ur_type(),
        qr::MAX_VERSION,
    )
    .map_err(anyhow::Error::msg)?;
    let frames = frames(&mut parts);
    if output.ansi {
        show_ansi(version, &frames)?;
    }
    if let Some(dir) = &output.dir {
        let stem = message.kind().name().to_ascii_lowercase();
        let written = write_frames(dir, &stem, version, &frames)?;
        eprintln!("wrote {} QR frame(s) to {}", written.len(), dir.display());
    }
    Ok(())
}

/// Reads images or text (UR parts, pcli JSON) and prints each complete message as pcli JSON.
pub fn decode(files: &[PathBuf]) -> anyhow::Result<()> {
    // One collector per UR type: frames of several messages may be mixed.
    let mut collectors: std::collections::BTreeMap<String, UrCollector> = Default::default();
    let report = |ur_type: &str, collector: &UrCollector| {
        if let Some((parts, fragments)) = collector.completed_parts() {
            eprintln!("{ur_type}: collected {parts} parts of {fragments}");
        }
    };
    let mut texts = Vec::new();
    for file in files {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        match qr::decode_image(&bytes) {
            Ok(found) => texts.extend(found),
            Err(image_error) => match String::from_utf8(bytes) {
                Ok(text) => texts.push(text),
                Err(_) => anyhow::bail!("{}: {image_error}", file.display()),
            },
        }
    }
    let mut printed = 0;
    for text in texts {
        for line in text.lines() {
            for token in line.split_whitespace() {
                if !UrCollector::is_part(token) {
                    continue;
                }
                let ur_type = token
                    .get(3..)
                    .and_then(|t| t.split('/').next())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let collector = collectors
                    .entry(ur_type.clone())
                    .or_insert_with(ur_collector);
                match collector.receive(token) {
                    Ok(Received::Complete(payloads)) => {
                        report(&ur_type, collector);
                        for payload in &payloads {
                            match AnyMessage::from_ur(&payload.ur_type, &payload.bytes) {
                                Ok(m) => {
                                    println!("{}", m.to_json());
                                    printed += 1;
                                }
                                Err(e) => eprintln!("error: {e}"),
                            }
                        }
                    }
                    Ok(Received::Progress { .. } | Received::Duplicate) => {}
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            if line.trim_start().starts_with('{') {
                match AnyMessage::from_json(line) {
                    Ok(m) => {
                        println!("{}", m.to_json());
                        printed += 1;
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
            }
        }
    }
    if let Some((have, total)) = collectors.values().find_map(|c| c.progress()) {
        anyhow::bail!("incomplete: {have} of {total} parts of a message; more frames are needed");
    }
    anyhow::ensure!(printed > 0, "no ceremony message found");
    Ok(())
}

fn read_messages() -> anyhow::Result<Vec<AnyMessage>> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
    let mut out = Vec::new();
    for piece in crate::paste::split(&text) {
        match piece {
            crate::paste::Piece::Message(m) => out.push(AnyMessage::from_json(&m)?),
            crate::paste::Piece::Garbage(g) => anyhow::bail!(crate::intake::not_a_message(&g)),
        }
    }
    anyhow::ensure!(!out.is_empty(), "no message on standard input");
    Ok(out)
}

/// pcli JSON (stdin) to UR parts (stdout) and, with `out`, PNG frames: a bridge for a pcli
/// participant whose messages must cross an airgap.
pub fn encode(out: Option<&Path>, bundle: bool) -> anyhow::Result<()> {
    let messages = read_messages()?;
    let plans = if bundle {
        let payloads: Vec<_> = messages.iter().map(AnyMessage::to_payload).collect();
        vec![(plan_bundle(&payloads, qr::MAX_VERSION), "bundle".into())]
    } else {
        messages
            .iter()
            .map(|m| {
                let payload = m.to_payload();
                (
                    plan_payload(&payload.bytes, &payload.ur_type, qr::MAX_VERSION),
                    m.kind().name().to_ascii_lowercase(),
                )
            })
            .collect::<Vec<(_, String)>>()
    };
    for (plan, stem) in plans {
        let (version, mut parts) = plan.map_err(anyhow::Error::msg)?;
        let frames = frames(&mut parts);
        for f in &frames {
            println!("{f}");
        }
        if let Some(dir) = out {
            let written = write_frames(dir, &stem, version, &frames)?;
            eprintln!("wrote {} QR frame(s) to {}", written.len(), dir.display());
        }
    }
    Ok(())
}
