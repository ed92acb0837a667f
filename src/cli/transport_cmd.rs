//! QR and UR on the command line: showing or writing outgoing messages as QR codes, and the
//! `decode`, `encode` and `bundle` bridges for participants (pcli ones too) across an airgap.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;

use super::camera_input::MessageSource;
use crate::messages::AnyMessage;
use crate::transport::qr::{self, modules, plan_bundle, plan_payload, to_ansi, to_png};
use crate::transport::scan::{Collected, MessageCollector};
use crate::transport::ur::UrParts;

/// How line mode shows outgoing messages besides the JSON line.
#[derive(Default)]
pub struct QrOutput {
    /// QR codes as text on stderr.
    pub ansi: bool,
    /// PNG frames in this folder.
    pub dir: Option<PathBuf>,
}

static OUTPUT: OnceLock<QrOutput> = OnceLock::new();

static INPUT: OnceLock<MessageSource> = OnceLock::new();

/// Line mode's transport for this run: QR output, and where messages come from.
pub fn configure(line: &super::args::LineArgs) {
    let _ = OUTPUT.set(QrOutput {
        ansi: line.qr,
        dir: line.qr_out.clone(),
    });
    let input = match (&line.camera, &line.frames) {
        (Some(wanted), _) => MessageSource::Camera(wanted.clone()),
        (None, Some(folder)) => MessageSource::Frames(folder.clone()),
        (None, None) => MessageSource::Stdin,
    };
    let _ = INPUT.set(input);
}

/// Where line mode reads the others' messages (stdin unless configured otherwise).
pub fn message_source() -> MessageSource {
    INPUT.get().cloned().unwrap_or_default()
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

/// Prints the ceremony messages found in texts (UR parts of several messages mixed, in any
/// order, and pcli JSON lines; [`MessageCollector`] collects them): each complete message as
/// pcli JSON on stdout, and on stderr problems and, per message, how many parts it took (and,
/// when scanning, "DKGRound1: 7 of 13 parts" as they come).
#[derive(Default)]
pub struct MessagePrinter {
    collector: MessageCollector,
    printed: usize,
    /// Say each new part's progress (a live scan), not only each message's total.
    progress: bool,
}

impl MessagePrinter {
    /// A printer that says each new part's progress, for a live scan.
    pub fn scanning() -> Self {
        Self {
            progress: true,
            ..Self::default()
        }
    }

    pub fn feed(&mut self, text: &str) {
        for collected in self.collector.feed(text) {
            if let Some(line) = collected.report(self.progress) {
                eprintln!("{line}");
            }
            if let Collected::Complete { messages, .. } = collected {
                for m in messages {
                    println!("{}", m.to_json());
                    self.printed += 1;
                }
            }
        }
    }

    /// How many messages were printed.
    pub fn printed(&self) -> usize {
        self.printed
    }

    /// At the end of the input: fails when a message is incomplete or none was found.
    pub fn finish(&self) -> anyhow::Result<()> {
        if let Some((have, total)) = self.collector.incomplete() {
            anyhow::bail!(
                "incomplete: {have} of {total} parts of a message; more frames are needed"
            );
        }
        anyhow::ensure!(self.printed > 0, "no ceremony message found");
        Ok(())
    }
}

/// Reads images or text (UR parts, pcli JSON) and prints each complete message as pcli JSON.
pub fn decode(files: &[PathBuf]) -> anyhow::Result<()> {
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
    let mut printer = MessagePrinter::default();
    for text in texts {
        printer.feed(&text);
    }
    printer.finish()
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
